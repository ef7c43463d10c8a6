from django.urls import path

from reserves.views import classes, elections, negative, outcomes, review_sheets, reviews, roster, slates, succession

app_name = "reserves"

urlpatterns = [
    path("villages/<str:code>/reserves/", roster.village_reserves, name="village_reserves"),
    path("villages/<str:code>/reserves/new/", roster.reserve_add, name="reserve_add"),
    path("villages/<str:code>/succession/", succession.village_succession_view, name="village_succession"),
    path("villages/<str:code>/elections/", elections.village_elections, name="village_elections"),
    path("reserves/<int:pk>/", roster.reserve_detail, name="reserve"),
    path("reserves/<int:pk>/edit/", roster.reserve_edit, name="reserve_edit"),
    path("reserves/<int:pk>/withdraw/", roster.reserve_withdraw, name="reserve_withdraw"),
    path("reserves/<int:pk>/measures/new/", roster.measure_add, name="measure_add"),
    path("reserves/<int:pk>/assessments/new/", roster.assessment_add, name="assessment_add"),
    path("bench/<str:level>/<str:code>/", succession.bench, name="bench"),
    path("classes/", classes.class_list, name="classes"),
    path("classes/new/", classes.class_new, name="class_new"),
    path("classes/<int:pk>/", classes.class_detail, name="class"),
    path("classes/<int:pk>/edit/", classes.class_edit, name="class_edit"),
    path("classes/<int:pk>/enrol/", classes.class_enrol, name="class_enrol"),
    path("classes/<int:pk>/enrollments/status/", classes.enrollment_status, name="enrollment_status"),
    path("elections/<int:pk>/results/", elections.election_results, name="election_results"),
    path("townships/<str:code>/election-results/", elections.township_results, name="township_results"),
    path("outcomes/", outcomes.outcomes_home, name="outcomes_home"),
    path("outcomes/<str:level>/<str:code>/", outcomes.outcomes, name="outcomes"),
    path("villages/<str:code>/slates/", slates.village_slates, name="village_slates"),
    path("slates/<int:pk>/", slates.slate_detail, name="slate"),
    path("slates/<int:pk>/seat/", slates.slate_seat, name="slate_seat"),
    path("slates/<int:pk>/status/", slates.slate_status, name="slate_status"),
    # 资格联审 (qualification review)
    path("reviews/", reviews.reviews_home, name="reviews_home"),
    path("reviews/rules/", negative.review_rules, name="review_rules"),
    path("reviews/audit/", negative.review_audit, name="review_audit"),
    path("reviews/<int:pk>/", reviews.review_detail, name="review"),
    path("reviews/<int:pk>/opinions/", reviews.review_opinion, name="review_opinion"),
    path("reviews/<int:pk>/withdraw/", reviews.review_withdraw, name="review_withdraw"),
    path("reviews/open/<str:code>/", reviews.reviews_open, name="reviews_open"),
    path("reviews/<str:level>/<str:code>/", reviews.review_ledger, name="review_ledger"),
    path("reviews/<str:level>/<str:code>/ledger.xlsx", review_sheets.ledger_export, name="review_ledger_export"),
    path("reviews/<str:level>/<str:code>/sheets/", review_sheets.sheets_export, name="review_sheets"),
    path("reviews/<str:level>/<str:code>/answers/", review_sheets.answers_import, name="review_answers"),
    path("people/<int:pk>/negative-records/", negative.person_records, name="person_records"),
    path("negative-records/<int:pk>/", negative.record_edit, name="record_edit"),
]
