// Copy the embed snippet to the clipboard; the textarea stays selectable without script.
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("copy-snippet");
  if (!button) return;
  const status = document.getElementById("copy-status");
  button.addEventListener("click", async () => {
    const area = document.getElementById(button.dataset.target);
    area.select();
    try {
      await navigator.clipboard.writeText(area.value);
      status.textContent = "Copied.";
    } catch (error) {
      status.textContent = "Selected: press Ctrl+C (or Cmd+C) to copy.";
    }
  });
});
