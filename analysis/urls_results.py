from django.urls import path

from analysis import api_results

app_name = "results"

urlpatterns = [
    path("surveys/<slug:slug>/results/", api_results.SurveyResultsApi.as_view(), name="survey-results"),
]
