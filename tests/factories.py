"""Factories for every model; tests never call Model.objects.create."""

import factory
from django.contrib.auth import get_user_model

from surveys.core.roles import Role
from surveys.models import Choice, Membership, Page, Question, Survey, Workspace


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    username = factory.LazyAttribute(lambda user: user.email)
    password = factory.django.Password("correct-horse-battery")


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"Workspace {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.OWNER


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Survey

    workspace = factory.SubFactory(WorkspaceFactory)
    title = factory.Sequence(lambda n: {"vi": f"Khảo sát {n}", "en": f"Survey {n}"})
    languages = factory.LazyFunction(lambda: ["vi", "en"])
    default_language = "vi"


class PageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Page

    survey = factory.SubFactory(SurveyFactory)
    key = factory.Sequence(lambda n: f"p{n + 1}")
    position = factory.LazyAttribute(lambda page: page.survey.pages.count())


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    page = factory.SubFactory(PageFactory)
    survey = factory.LazyAttribute(lambda question: question.page.survey)
    key = factory.Sequence(lambda n: f"q{n + 1}")
    position = factory.LazyAttribute(lambda question: question.page.questions.count())
    type = "short_text"
    text = factory.Sequence(lambda n: {"vi": f"Câu hỏi {n}?", "en": f"Question {n}?"})


class ChoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Choice

    question = factory.SubFactory(QuestionFactory, type="single_choice")
    kind = Choice.Kind.OPTION
    value = factory.Sequence(lambda n: f"c{n + 1}")
    position = factory.LazyAttribute(lambda choice: choice.question.choices.filter(kind=choice.kind).count())
    label = factory.Sequence(lambda n: {"vi": f"Lựa chọn {n}", "en": f"Option {n}"})
