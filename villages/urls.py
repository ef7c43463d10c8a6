from django.urls import path

from villages.views import assessments, audit, confirmation, cycles, deleted, home, people, risks, roster, workbook

app_name = "villages"

urlpatterns = [
    path("", home.home, name="home"),
    path("risks/", risks.risks, name="risks"),
    path("risks/<int:pk>/review/", risks.risk_review, name="risk_review"),
    path("villages/<str:code>/structure/", risks.village_structure, name="village_structure"),
    path("age-out/", risks.age_out, name="age_out"),
    path("rules/", risks.rule_values, name="rules"),
    path("counties/", roster.counties, name="counties"),
    path("counties/<str:code>/", roster.county, name="county"),
    path("townships/<str:code>/", roster.township, name="township"),
    path("villages/<str:code>/", roster.village, name="village"),
    path("villages/<str:code>/posts/new/", roster.post_add, name="post_add"),
    path("villages/<str:code>/posts/people/", roster.person_options, name="person_options"),
    path("posts/<int:pk>/edit/", roster.post_edit, name="post_edit"),
    path("posts/<int:pk>/end/", roster.post_end, name="post_end"),
    path("people/", people.people, name="people"),
    path("people/new/", people.person_new, name="person_new"),
    path("people/<int:pk>/", people.person, name="person"),
    path("people/<int:pk>/edit/", people.person_edit, name="person_edit"),
    path("people/<int:pk>/assessments/new/", assessments.assessment_add, name="assessment_add"),
    path("assessments/<int:pk>/edit/", assessments.assessment_edit, name="assessment_edit"),
    path("assessments/<int:pk>/delete/", assessments.assessment_delete, name="assessment_delete"),
    path("people/<int:pk>/delete/", deleted.person_delete, name="person_delete"),
    path("people/<int:pk>/restore/", deleted.person_restore, name="person_restore"),
    path("people/deleted/", deleted.people_deleted, name="people_deleted"),
    path("audit/", audit.audit, name="audit"),
    path("confirmations/", confirmation.confirmations, name="confirmations"),
    path("villages/<str:code>/confirm/", confirmation.confirm, name="confirm_roster"),
    path("cycles/", cycles.cycles, name="cycles"),
    path("roster/template.xlsx", workbook.roster_template, name="roster_template"),
    path("townships/<str:code>/roster.xlsx", workbook.roster_export, name="roster_export"),
    path("people/export.xlsx", workbook.people_export, name="people_export"),
]
