// Copy a share link to the clipboard (the Content-Security-Policy forbids inline handlers).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy-target]");
  if (!button) { return; }
  const input = document.getElementById(button.dataset.copyTarget);
  if (!input) { return; }
  input.select();
  const done = () => { button.textContent = "Copied"; };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(input.value).then(done, () => { document.execCommand("copy"); done(); });
  } else {
    document.execCommand("copy");
    done();
  }
});
