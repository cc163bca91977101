"""``manage.py analyze SLUG [--json]``: the full insight analysis of a survey, run now.

Weights apply when a target set is attached and a weighting run succeeded (``--unweighted`` turns
them off); open-answer themes are used when the open-text layer has coded them. The command
stores the candidates exactly as a run from the board would (an analyst's decisions survive) and
prints them with the run's warnings: as one JSON object with ``--json``, as text otherwise. A
survey that does not exist, is not published, or is being analysed already is an error (exit 1).
"""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from analysis import selectors_insights, services_insights
from analysis.models import AnalysisRun
from surveys.errors import DomainError
from surveys.models import Survey


class Command(BaseCommand):
    help = "Run the candidate-insight analysis of a survey now and print the candidates and warnings."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The survey's slug.")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")
        parser.add_argument("--alpha", help="False-discovery rate for the Benjamini–Hochberg q-values (0.05).")
        parser.add_argument("--min-group-n", help="Minimum answers per group (30).")
        parser.add_argument("--min-effect", help="Minimum Cohen's d or h (0.2).")
        parser.add_argument("--min-correlation", help="Minimum |Spearman ρ| of a KPI driver (0.2).")
        parser.add_argument("--unweighted", action="store_true", help="Ignore the survey's weights.")
        parser.add_argument("--language", choices=("vi", "en"), default="en", help="Language of warnings (en).")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["language"]):
            self._handle(options)

    def _handle(self, options: dict[str, Any]) -> None:
        survey = Survey.objects.filter(slug=options["slug"]).first()
        if survey is None:
            raise CommandError(_("No survey has the slug “{slug}”.").format(slug=options["slug"]))
        settings = {
            "alpha": options["alpha"],
            "min_group_n": options["min_group_n"],
            "min_effect_size": options["min_effect"],
            "min_driver_correlation": options["min_correlation"],
            "weighted": not options["unweighted"],
        }
        try:
            run = services_insights.analyze_survey(
                survey=survey, options={k: v for k, v in settings.items() if v is not None}
            )
        except DomainError as error:
            details = "; ".join(f"{name}: {' '.join(map(str, texts))}" for name, texts in error.fields.items())
            raise CommandError(f"{error.message}" + (f" ({details})" if details else "")) from None
        warnings = [services_insights.render_warning(w) for w in run.warnings]
        if run.status == AnalysisRun.Status.FAILED:
            raise CommandError(services_insights.render_run_error(run))
        insights = [
            selectors_insights.insight_as_dict(i)
            for i in selectors_insights.list_insights(survey=survey, current_only=True)
        ]
        if options["json"]:
            document = {
                "survey": survey.slug,
                "run": run.id,
                "responses": run.response_count,
                "weighted": run.is_weighted,
                "settings": run.options,
                "family_sizes": run.family_sizes,
                "warnings": warnings,
                "candidates": insights,
            }
            self.stdout.write(json.dumps(document, ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            _("{count} candidate insights from {n} responses ({weighting}).").format(
                count=len(insights),
                n=run.response_count,
                weighting=_("weighted") if run.is_weighted else _("unweighted"),
            )
        )
        for item in insights:
            evidence = item["evidence"]
            self.stdout.write(
                f"#{item['rank']} [{item['kind']}] {item['statement_en']}\n"
                f"    p = {evidence['p_value']:.3g}, q = {evidence['q_value']:.3g} "
                f"(family of {evidence['family_size']}), {evidence['effect_size_name']} = "
                f"{evidence['effect_size']:.2f}; status {item['status']}"
            )
        for warning in warnings:
            self.stderr.write(_("Warning: {text}").format(text=warning))
