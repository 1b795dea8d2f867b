"""The edition step: candidates, arrangement, the editor's overrides, the lifecycle, the snapshot.

Import the module you need (`digest.edition.build`, `.lifecycle`, `.snapshot`):
building loads the grouping step, which the lifecycle and the snapshot never need.
"""
