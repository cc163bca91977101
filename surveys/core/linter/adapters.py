"""Build linter inputs from the questionnaire values the rest of the platform uses."""

from surveys.core.linter.findings import QuestionInput, SurveyInput
from surveys.core.questionnaire import LANGUAGES, SurveySpec


def survey_input_from_spec(spec: SurveySpec, *, language: str) -> SurveyInput:
    """Return the questions of ``spec`` in ``language`` (falling back to the default) as a SurveyInput."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}")
    questions = []
    for question in spec.questions():
        has_translation = bool(getattr(question.text, language).strip())
        questions.append(
            QuestionInput(
                text=question.text.get(language, spec.default_language),
                # Matrix rows are statements rated on the shared scale; the scale points are what the rules read.
                options=tuple(choice.label.get(language, spec.default_language) for choice in question.choices),
                type=question.type.value,
                lang=language if has_translation else None,
                key=question.key,
                role=question.role.to_string() if question.role else None,
            )
        )
    return SurveyInput(questions=tuple(questions), lang=language)
