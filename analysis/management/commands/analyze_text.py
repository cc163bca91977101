"""``manage.py analyze_text FILE.jsonl [--themes K] [--lang vi|en] [--json]``: open answers → themes.

Reads one JSON object per line with ``id`` and ``text`` ("-" reads standard input), runs the
open-text analysis (language, themes, sentiment) and prints, for each answer, its id, language,
theme ids, sentiment label and score, then the themes with their keywords and quotes.
``--codebook FILE`` assigns by an analyst's saved codebook instead of discovering themes;
``--write-codebook FILE`` saves the codebook of this run for the next one.
"""

import json
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Any, TextIO

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from analysis.core.open_text.codebook import CodebookError, codebook_from_dict
from analysis.core.open_text.pipeline import TextAnalysis, analyze_answers

MIN_THEMES, MAX_THEMES = 2, 30
MAX_TEXT_LENGTH = 10_000


def read_answers(handle: TextIO) -> list[tuple[str, str]]:
    """Parse JSON Lines of ``{"id": …, "text": …}``; raise CommandError naming the bad line."""
    answers: list[tuple[str, str]] = []
    seen: set[str] = set()
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise CommandError(
                _("Line {line}: not valid JSON ({error}).").format(line=number, error=error.msg)
            ) from None
        if not isinstance(record, dict):
            raise CommandError(_("Line {line}: expected a JSON object with “id” and “text”.").format(line=number))
        answer_id, text = record.get("id"), record.get("text")
        if isinstance(answer_id, bool) or not isinstance(answer_id, str | int) or str(answer_id).strip() == "":
            raise CommandError(_("Line {line}: “id” must be a non-empty string or an integer.").format(line=number))
        if not isinstance(text, str):
            raise CommandError(_("Line {line}: “text” must be a string.").format(line=number))
        if len(text) > MAX_TEXT_LENGTH:
            raise CommandError(
                _("Line {line}: “text” is longer than {limit} characters.").format(line=number, limit=MAX_TEXT_LENGTH)
            )
        key = str(answer_id)
        if key in seen:
            raise CommandError(_("Line {line}: the id “{id}” appears twice.").format(line=number, id=key))
        seen.add(key)
        answers.append((key, text))
    if not answers:
        raise CommandError(_("The file holds no answers."))
    return answers


class Command(BaseCommand):
    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        self.help = _("Find themes and sentiment in open answers (JSON Lines with id and text).")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=_('JSON Lines file, one {"id", "text"} object per line; - for stdin.'))
        parser.add_argument("--themes", type=int, help=_("Number of themes to find (default: chosen by silhouette)."))
        parser.add_argument("--lang", choices=["vi", "en"], help=_("Treat every answer as this language."))
        parser.add_argument("--codebook", help=_("Assign by this saved codebook (JSON) instead of discovering themes."))
        parser.add_argument("--write-codebook", help=_("Save the resulting codebook (JSON) to this file."))
        parser.add_argument("--workers", type=int, default=1, help=_("Processes for large files (default 1)."))
        parser.add_argument("--json", action="store_true", help=_("Print one JSON object."))
        parser.add_argument(
            "--language", choices=[code for code, _name in settings.LANGUAGES], help=_("Language of the output.")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        language = options.get("language")
        with translation.override(language) if language else nullcontext():
            themes = options.get("themes")
            if themes is not None and not MIN_THEMES <= themes <= MAX_THEMES:
                raise CommandError(
                    _("--themes must be between {low} and {high}.").format(low=MIN_THEMES, high=MAX_THEMES)
                )
            if options["workers"] < 1:
                raise CommandError(_("--workers must be at least 1."))
            codebook = self._read_codebook(options.get("codebook"))
            if codebook is not None and themes is not None:
                raise CommandError(_("--themes cannot be used with --codebook: the codebook fixes the themes."))
            answers = self._read_file(options["file"])
            result = analyze_answers(
                answers, codebook=codebook, themes=themes, lang=options.get("lang"), workers=options["workers"]
            )
            if options.get("write_codebook"):
                Path(options["write_codebook"]).write_text(
                    json.dumps(result.codebook.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8"
                )
            self.stdout.write(self._as_json(result) if options["json"] else self._as_text(result))

    @staticmethod
    def _read_file(name: str) -> list[tuple[str, str]]:
        if name == "-":
            return read_answers(sys.stdin)
        try:
            with open(name, encoding="utf-8") as handle:
                return read_answers(handle)
        except FileNotFoundError:
            raise CommandError(_("No such file: {name}.").format(name=name)) from None
        except UnicodeDecodeError:
            raise CommandError(_("{name} is not UTF-8 text.").format(name=name)) from None

    @staticmethod
    def _read_codebook(name: str | None):
        if not name:
            return None
        try:
            data = json.loads(Path(name).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(_("No such file: {name}.").format(name=name)) from None
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise CommandError(_("The codebook {name} is not valid JSON.").format(name=name)) from None
        try:
            return codebook_from_dict(data)
        except CodebookError as error:
            raise CommandError(error.message.render(_)) from None

    @staticmethod
    def _payload(result: TextAnalysis) -> dict[str, Any]:
        return {
            "answers": [
                {
                    "id": a.id,
                    "lang": a.lang,
                    "lang_shares": {"vi": a.vi_share, "en": a.en_share},
                    "themes": list(a.themes),
                    "sentiment": a.sentiment.label,
                    "score": a.sentiment.score,
                    "is_non_answer": a.is_non_answer,
                    "duplicate_of": a.duplicate_of,
                    "mentions": [
                        {"theme": m.theme_id, "sentiment": m.sentiment.label, "score": m.sentiment.score}
                        for m in a.mentions
                    ],
                }
                for a in result.answers
            ],
            "themes": [
                {
                    "id": t.id,
                    "label": _(t.label) if t.id == "other" else t.label,
                    "keywords": {lang: list(words) for lang, words in t.keywords.items()},
                    "quotes": list(t.quotes),
                    "n_answers": t.n_answers,
                    "sentiment": dict(t.sentiment_counts),
                }
                for t in result.themes
            ],
            "k": result.k,
            "silhouette": result.silhouette,
        }

    def _as_json(self, result: TextAnalysis) -> str:
        return json.dumps(self._payload(result), ensure_ascii=False)

    def _as_text(self, result: TextAnalysis) -> str:
        payload = self._payload(result)
        lines = [_("Themes") + ":"]
        for theme in payload["themes"]:
            words = "; ".join(f"{lang}: {', '.join(w)}" for lang, w in theme["keywords"].items())
            lines.append(f"  {theme['id']:<6} {theme['n_answers']:>6}  {theme['label']}  [{words}]")
            lines.extend(f"         “{quote}”" for quote in theme["quotes"])
        lines.append("")
        lines.append(_("Answers") + ":")
        for answer in payload["answers"]:
            lines.append(
                f"  {answer['id']}\t{answer['lang']}\t{','.join(answer['themes']) or '-'}\t"
                f"{answer['sentiment']}\t{answer['score']:+.2f}"
            )
        return "\n".join(lines)
