// Progressive enhancement only: every page works without it (filters are plain GET forms).
// A select or checkbox marked data-autosubmit applies its form as soon as it changes.
"use strict";
document.addEventListener("change", (event) => {
  const target = event.target;
  const autosubmits = target instanceof HTMLSelectElement || target instanceof HTMLInputElement;
  if (autosubmits && target.hasAttribute("data-autosubmit") && target.form) {
    target.form.requestSubmit();
  }
});
