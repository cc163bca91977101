"""Serializers of the open-answer API: runs, themes, codebook edits, answers and theme × segment tables."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from analysis import services_open_text as services
from analysis.core.open_text.codebook import MAX_LABEL_LENGTH, MAX_RULE_LENGTH
from analysis.models import OpenTextRun, SentimentLabel

EDIT_OPS = ("rename", "merge", "split", "delete", "add", "pin", "unpin", "add_rule", "remove_rule")
THEME_ID = serializers.RegexField(r"^T[0-9]{1,6}$", max_length=8)
MAX_EXAMPLE_LENGTH = services.MAX_TEXT_LENGTH


class OpenTextRunInputSerializer(serializers.Serializer):
    themes = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=services.MIN_THEMES,
        max_value=services.MAX_THEMES,
        help_text="Number of themes for a discovery (default: chosen by silhouette).",
    )
    language = serializers.ChoiceField(
        choices=["vi", "en"], required=False, allow_null=True, help_text="Treat every answer as this language."
    )
    rediscover = serializers.BooleanField(
        required=False, default=False, help_text="Discover themes anew instead of applying the codebook."
    )


class OpenTextRunOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    survey = serializers.CharField(source="survey.slug")
    question_key = serializers.CharField()
    mode = serializers.ChoiceField(choices=OpenTextRun.Mode.choices)
    # a plain string: the same choice set as the weighting run's would make the enum name ambiguous
    status = serializers.CharField(help_text="queued, running, succeeded or failed.")
    progress = serializers.IntegerField(help_text="Percent done.")
    error = serializers.SerializerMethodField(help_text="Why the run failed, in the request's language.")
    settings = serializers.JSONField(source="options", help_text="themes (K or null) and lang (or null).")
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="answers, processed, themes, k.")
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)

    def get_error(self, run: OpenTextRun) -> str:
        return services.render_run_error(run)


class ThemeOutputSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="T1, T2, … or “other”.")
    label = serializers.CharField()
    keywords = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), help_text="Per language."
    )
    quotes = serializers.ListField(child=serializers.CharField(), help_text="Pinned examples first.")
    n_answers = serializers.IntegerField()
    share = serializers.FloatField(help_text="Of the analysed answers that are not non-answers.")
    sentiment = serializers.DictField(child=serializers.IntegerField(), help_text="Mentions per sentiment label.")
    rules = serializers.ListField(child=serializers.CharField(), help_text="Keyword rules (accent-folded).")
    pinned = serializers.ListField(child=serializers.CharField())
    is_edited = serializers.BooleanField()
    is_other = serializers.BooleanField()


class ThemeListOutputSerializer(serializers.Serializer):
    question_key = serializers.CharField(source="question.key")
    codebook_version = serializers.SerializerMethodField()
    n_answers = serializers.IntegerField(help_text="Answers analysed.")
    n_non_answers = serializers.IntegerField()
    n_duplicates = serializers.IntegerField()
    n_pending = serializers.IntegerField(help_text="Answers given since the last run, not analysed yet.")
    sentiment = serializers.DictField(child=serializers.IntegerField(), help_text="Answers per sentiment label.")
    languages = serializers.DictField(child=serializers.IntegerField())
    themes = ThemeOutputSerializer(many=True)

    def get_codebook_version(self, overview: services.ThemeOverview) -> int | None:
        return overview.codebook.version if overview.codebook else None


class SplitPartSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=MAX_LABEL_LENGTH)
    rules = serializers.ListField(
        child=serializers.CharField(max_length=MAX_RULE_LENGTH), required=False, default=list, max_length=50
    )
    pinned = serializers.ListField(
        child=serializers.CharField(max_length=MAX_EXAMPLE_LENGTH), required=False, default=list, max_length=50
    )


class CodebookEditInputSerializer(serializers.Serializer):
    op = serializers.ChoiceField(choices=EDIT_OPS)
    theme = serializers.RegexField(r"^T[0-9]{1,6}$", max_length=8, required=False, help_text="The theme edited.")
    themes = serializers.ListField(
        child=serializers.RegexField(r"^T[0-9]{1,6}$", max_length=8),
        required=False,
        max_length=50,
        help_text="merge: the themes, the kept one first.",
    )
    label = serializers.CharField(max_length=MAX_LABEL_LENGTH, required=False, help_text="rename, merge, add.")
    text = serializers.CharField(max_length=MAX_EXAMPLE_LENGTH, required=False, help_text="pin, unpin.")
    rule = serializers.CharField(max_length=MAX_RULE_LENGTH, required=False, help_text="add_rule, remove_rule.")
    rules = serializers.ListField(
        child=serializers.CharField(max_length=MAX_RULE_LENGTH), required=False, max_length=50, help_text="add."
    )
    parts = SplitPartSerializer(many=True, required=False, help_text="split: two or more parts.")

    NEEDS = {
        "rename": ("theme", "label"),
        "merge": ("themes",),
        "split": ("theme", "parts"),
        "delete": ("theme",),
        "add": ("label",),
        "pin": ("theme", "text"),
        "unpin": ("theme", "text"),
        "add_rule": ("theme", "rule"),
        "remove_rule": ("theme", "rule"),
    }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        missing = {name: [serializers.Field.default_error_messages["required"]] for name in self.NEEDS[attrs["op"]]}
        missing = {name: errors for name, errors in missing.items() if name not in attrs}
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


class CodebookEditOutputSerializer(serializers.Serializer):
    codebook_version = serializers.IntegerField()
    reassign_run = serializers.IntegerField(
        allow_null=True, help_text="A queued re-assignment run when there were too many answers to do it at once."
    )
    themes = ThemeOutputSerializer(many=True)


class MentionOutputSerializer(serializers.Serializer):
    theme = serializers.CharField(source="theme_id")
    sentiment = serializers.ChoiceField(choices=SentimentLabel.choices)
    score = serializers.FloatField()
    mention = serializers.CharField(help_text="The clauses that mention the theme.")


class AnswerOutputSerializer(serializers.Serializer):
    response = serializers.IntegerField(source="response_id")
    text = serializers.CharField()
    lang = serializers.CharField()
    lang_shares = serializers.SerializerMethodField()
    sentiment = serializers.ChoiceField(choices=SentimentLabel.choices)
    score = serializers.FloatField(help_text="From -1 (negative) to 1 (positive).")
    sentiment_source = serializers.ChoiceField(choices=["model", "analyst"])
    is_non_answer = serializers.BooleanField()
    is_duplicate = serializers.BooleanField()
    themes = serializers.ListField(child=serializers.CharField(), help_text="Theme ids, the main one first.")
    mentions = MentionOutputSerializer(many=True, source="response.theme_assignments.all")

    def get_lang_shares(self, answer) -> dict[str, float]:
        return {"vi": answer.vi_share, "en": answer.en_share}


class SentimentOverrideInputSerializer(serializers.Serializer):
    sentiment = serializers.ChoiceField(choices=SentimentLabel.choices)


class SegmentCellOutputSerializer(serializers.Serializer):
    theme = serializers.CharField(source="theme_id")
    segment = serializers.CharField()
    n_segment = serializers.IntegerField()
    k_segment = serializers.IntegerField()
    n_rest = serializers.IntegerField()
    k_rest = serializers.IntegerField()
    share = serializers.FloatField()
    share_rest = serializers.FloatField()
    lift = serializers.FloatField(allow_null=True)
    z = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True)
    q_value = serializers.FloatField(allow_null=True, help_text="Benjamini–Hochberg over the variable's family.")
    is_tested = serializers.BooleanField(help_text="False when a side has fewer than min_n answers.")
    is_significant = serializers.BooleanField()


class SegmentComparisonOutputSerializer(serializers.Serializer):
    variable = serializers.CharField(source="variable.key")
    label = serializers.CharField(source="variable.label")
    kind = serializers.CharField(source="variable.kind", help_text="“demographic” or “nps”.")
    groups = serializers.DictField(child=serializers.CharField(), source="variable.groups")
    n_answers = serializers.IntegerField()
    family_size = serializers.SerializerMethodField()
    min_n = serializers.SerializerMethodField()
    alpha = serializers.SerializerMethodField()
    test = serializers.SerializerMethodField()
    cells = serializers.SerializerMethodField()

    def get_family_size(self, comparison) -> int:
        return comparison.table.family_size if comparison.table else 0

    def get_min_n(self, comparison) -> int | None:
        return comparison.table.min_n if comparison.table else None

    def get_alpha(self, comparison) -> float | None:
        return comparison.table.alpha if comparison.table else None

    def get_test(self, comparison) -> str:
        return comparison.table.test if comparison.table else ""

    @extend_schema_field(SegmentCellOutputSerializer(many=True))
    def get_cells(self, comparison) -> list[dict[str, Any]]:
        return SegmentCellOutputSerializer(comparison.table.cells if comparison.table else [], many=True).data
