// Adds a "Copy" button to every code block. Progressive enhancement only:
// without this script the pages read the same, minus the buttons.
(function () {
  "use strict";

  // The command only: the code panel's text, never the output panel under
  // it, without the newline that ends the last line (pasted into a
  // terminal it would run the command at once).
  function commandText(code) {
    return code.textContent.replace(/\n+$/, "");
  }

  function select(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  function flash(button, text) {
    button.textContent = text;
    setTimeout(function () { button.textContent = "Copy"; }, 1500);
  }

  // Code holding values from the build's run (marked .captured) says so
  // when copied: the reader's own run has other values.
  function copied(button, code) {
    flash(button, code.querySelector(".captured") ? "Copied: change the marked values" : "Copied");
  }

  // Without the clipboard API (an insecure context, a refused permission)
  // the code is selected so that Ctrl+C copies it.
  function fallback(button, code) {
    select(code);
    flash(button, "Press Ctrl+C");
  }

  function copy(button, code) {
    var text = commandText(code);
    if (!navigator.clipboard || !window.isSecureContext) {
      fallback(button, code);
      return;
    }
    navigator.clipboard.writeText(text).then(
      function () { copied(button, code); },
      function () { fallback(button, code); });
  }

  function addButton(block) {
    var head = block.querySelector(".block-head");
    var code = block.querySelector("pre.chroma code");
    if (!head || !code) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.textContent = "Copy";
    var label = block.classList.contains("file") ? "Copy the file" : "Copy the command";
    if (code.querySelector(".captured")) label += " (it holds values from this build's run: use your own)";
    button.setAttribute("aria-label", label);
    button.addEventListener("click", function () { copy(button, code); });
    head.insertBefore(button, head.querySelector(".anchor"));
  }

  document.addEventListener("DOMContentLoaded", function () {
    var blocks = document.querySelectorAll("figure.block");
    for (var i = 0; i < blocks.length; i++) addButton(blocks[i]);
  });
})();
