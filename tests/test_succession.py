"""Seat succession: a person holding both 支委委员 and 村委委员 is one holder of the 两委委员 seat row."""

from reserves.succession import village_succession
from tests import factories as f
from villages.choices import Post


def test_member_holding_two_member_posts_is_listed_once(world):
    person = f.PersonFactory(home_village=world.village_a, political_status="cpc_member")
    f.PostAssignmentFactory(person=person, post=Post.PARTY_MEMBER)
    f.PostAssignmentFactory(person=person, post=Post.COMMITTEE_MEMBER)
    other = f.PostAssignmentFactory(person=f.PersonFactory(home_village=world.village_a), post=Post.COMMITTEE_MEMBER)

    succession = village_succession(village=world.village_a)
    members = next(row for row in succession.rows if row.seat.key == "member")

    assert [h.person.pk for h in members.holders] == [person.pk, other.person.pk]
