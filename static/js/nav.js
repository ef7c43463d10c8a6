// Main menu groups (templates/_nav.html are <details>): close the open group on Escape or a click outside it.
document.addEventListener("click", (event) => {
  for (const open of document.querySelectorAll(".mainnav details[open]")) {
    if (!open.contains(event.target)) open.removeAttribute("open");
  }
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  for (const open of document.querySelectorAll(".mainnav details[open]")) {
    open.removeAttribute("open");
    open.querySelector("summary").focus();
  }
});
