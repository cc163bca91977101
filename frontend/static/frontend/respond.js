/* The respondent's form, enhanced: everything here is optional; the form works without it.
 * - Display logic that tests answers on the same page is mirrored here (the server decides
 *   again on every post, with the same rules: surveys/core/display_logic.py).
 * - "None of these" clears the other boxes, and the reverse.
 * - A second click on a submit button while the first post is on its way is ignored.
 * - After a refused post, focus moves to the error summary so screen readers read it.
 */
(function () {
  "use strict";
  var form = document.querySelector("[data-respond-form]");
  if (!form) {
    return;
  }
  var known = {};
  try {
    known = JSON.parse(document.getElementById("known-answers").textContent || "{}");
  } catch (error) {
    known = {};
  }

  function answerOf(block) {
    var key = block.getAttribute("data-key");
    var type = block.getAttribute("data-type");
    var name = "a-" + key;
    if (type === "multiple_choice") {
      return Array.prototype.map.call(form.querySelectorAll('input[name="' + name + '"]:checked'), function (input) {
        return input.value;
      });
    }
    if (type === "matrix" || type === "ranking") {
      var filled = Array.prototype.filter.call(block.querySelectorAll("input:checked, select"), function (input) {
        return input.tagName !== "SELECT" || input.value !== "";
      });
      return filled.length ? filled.length : null;
    }
    var checked = form.querySelector('input[name="' + name + '"]:checked');
    if (checked) {
      return checked.value;
    }
    var field = form.querySelector('[name="' + name + '"]:not([type="radio"]):not([type="checkbox"])');
    return field && field.value.trim() !== "" ? field.value.trim() : null;
  }

  function answered(value) {
    if (value === null || value === undefined) {
      return false;
    }
    if (Array.isArray(value) || typeof value === "string") {
      return value.length > 0;
    }
    return true;
  }

  function compare(answer, expected) {
    var left = parseFloat(answer);
    var right = parseFloat(expected);
    if (!isNaN(left) && !isNaN(right) && isFinite(left) && isFinite(right) && String(answer).trim() !== "") {
      return left > right ? 1 : left < right ? -1 : 0;
    }
    if (typeof answer === "string" && typeof expected === "string") {
      return answer > expected ? 1 : answer < expected ? -1 : 0;
    }
    return null;
  }

  function holds(condition, answers) {
    var answer = answers[condition.question];
    var op = condition.operator;
    if (op === "answered") {
      return answered(answer);
    }
    if (op === "not_answered") {
      return !answered(answer);
    }
    if (!answered(answer)) {
      return false;
    }
    var expected = condition.value;
    if (op === "includes" || op === "excludes") {
      var selected = (Array.isArray(answer) ? answer : [answer]).map(String);
      return (selected.indexOf(String(expected)) >= 0) === (op === "includes");
    }
    if (op === "any_of" || op === "none_of") {
      var options = (Array.isArray(expected) ? expected : [expected]).map(String);
      return (options.indexOf(String(answer)) >= 0) === (op === "any_of");
    }
    var order = compare(answer, expected);
    if (op === "equals") {
      return order !== null ? order === 0 : String(answer) === String(expected);
    }
    if (op === "not_equals") {
      return order !== null ? order !== 0 : String(answer) !== String(expected);
    }
    if (order === null) {
      return false;
    }
    return { gt: order > 0, gte: order >= 0, lt: order < 0, lte: order <= 0 }[op] || false;
  }

  var blocks = Array.prototype.slice.call(form.querySelectorAll(".rq[data-key]"));
  var shownInput = form.querySelector("[data-shown]");

  function refresh() {
    var answers = {};
    Object.keys(known).forEach(function (key) {
      answers[key] = known[key];
    });
    var shown = [];
    blocks.forEach(function (block) {
      var logic = block.getAttribute("data-logic");
      if (logic) {
        var parsed = JSON.parse(logic);
        var results = parsed.conditions.map(function (condition) {
          return holds(condition, answers);
        });
        var visible = parsed.match === "any" ? results.indexOf(true) >= 0 : results.indexOf(false) < 0;
        block.hidden = !visible;
      }
      if (!block.hidden) {
        shown.push(block.getAttribute("data-key"));
        var value = answerOf(block);
        if (answered(value)) {
          answers[block.getAttribute("data-key")] = value;
        }
      }
    });
    if (shownInput) {
      shownInput.value = shown.join(" ");
    }
  }

  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target.type === "checkbox" && target.checked) {
      var group = form.querySelectorAll('input[type="checkbox"][name="' + target.name + '"]');
      Array.prototype.forEach.call(group, function (box) {
        var clear = target.hasAttribute("data-exclusive") ? box !== target : box.hasAttribute("data-exclusive");
        if (clear) {
          box.checked = false;
        }
      });
    }
    refresh();
  });
  form.addEventListener("input", refresh);

  var sending = false;
  form.addEventListener("submit", function (event) {
    if (sending) {
      event.preventDefault();
      return;
    }
    sending = true;
    form.setAttribute("aria-busy", "true");
  });
  // Coming back with the browser's back button shows this page from its cache: allow sending again.
  window.addEventListener("pageshow", function () {
    sending = false;
    form.removeAttribute("aria-busy");
  });

  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
  refresh();
})();
