// Progressive enhancement only: every page works without it (filters are plain GET forms).
// A select marked data-autosubmit applies its form as soon as it changes.
"use strict";
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
    target.form.requestSubmit();
  }
});
