/* Small enhancements on top of htmx; every form also works as a plain POST without this file. */
(function () {
  "use strict";

  // A refused builder write answers 400/409 with the form and its errors, to be shown in place.
  // In DEBUG, django-htmx's error page handler would replace the whole page: stop it first.
  document.addEventListener(
    "htmx:beforeOnLoad",
    function (event) {
      var status = event.detail.xhr.status;
      if (status === 400 || status === 409) {
        event.stopPropagation();
      }
    },
    true
  );

  // Keep open the disclosures the researcher had open when a card is redrawn.
  var openIds = [];
  document.addEventListener("htmx:beforeSwap", function () {
    openIds = Array.prototype.map.call(
      document.querySelectorAll("details[data-keep-open][open][id]"),
      function (details) {
        return details.id;
      }
    );
  });
  document.addEventListener("htmx:afterSettle", function () {
    openIds.forEach(function (id) {
      var details = document.getElementById(id);
      if (details) {
        details.open = true;
      }
    });
    var alertBox = document.getElementById("htmx-alert");
    if (alertBox) {
      alertBox.hidden = true;
    }
  });

  function showFailure() {
    var alertBox = document.getElementById("htmx-alert");
    if (alertBox) {
      alertBox.textContent = document.body.getAttribute("data-htmx-error");
      alertBox.hidden = false;
      alertBox.scrollIntoView({ block: "nearest" });
    }
  }
  document.addEventListener("htmx:responseError", showFailure);
  document.addEventListener("htmx:sendError", showFailure);
})();
