"""The scheduler face: the process (`process`), its lock, its jobs and the job history.

Import the module you need: the job history is light, the process loads APScheduler.
"""
