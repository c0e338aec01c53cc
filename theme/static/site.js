// Adds a "Copy" button to every code block. Progressive enhancement only:
// without this script the pages read the same, minus the buttons.
(function () {
  "use strict";

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

  function addButton(block) {
    var head = block.querySelector(".block-head");
    var code = block.querySelector("pre.chroma code");
    if (!head || !code) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.textContent = "Copy";
    button.addEventListener("click", function () {
      var text = code.textContent;
      // The clipboard API needs a secure context; file:// pages may not
      // get one, so fall back to selecting the code for Ctrl+C.
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(
          function () { flash(button, "Copied"); },
          function () { select(code); flash(button, "Press Ctrl+C"); });
      } else {
        select(code);
        flash(button, "Press Ctrl+C");
      }
    });
    var anchor = head.querySelector(".anchor");
    head.insertBefore(button, anchor);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var blocks = document.querySelectorAll("figure.block");
    for (var i = 0; i < blocks.length; i++) addButton(blocks[i]);
  });
})();
