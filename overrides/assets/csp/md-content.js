// Material for MkDocs' inline content scripts (MIT licence, squidfunk), as a file for the CSP: linked
// content tabs (when the feature is on) and the tab named by the URL hash.
(function () {
  if (document.currentScript.getAttribute("data-md-tabs-link") === "true") {
    var tabs = __md_get("__tabs");
    if (Array.isArray(tabs))
      e: for (var set of document.querySelectorAll(".tabbed-set")) {
        var labels = set.querySelector(".tabbed-labels");
        for (var tab of tabs)
          for (var label of labels.getElementsByTagName("label"))
            if (label.innerText.trim() === tab) {
              document.getElementById(label.htmlFor).checked = true;
              continue e;
            }
      }
  }
  var target = document.getElementById(location.hash.slice(1));
  target && target.name && (target.checked = target.name.startsWith("__tabbed_"));
})();
