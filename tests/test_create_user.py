"""`manage.py create_user`: role/scope validation, password handling, updating an existing user."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests import factories as f
from villages.models import User

GOOD_PASSWORD = "Qingfeng-mountain-2026"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("create_user", *args, stdout=out)
    return out.getvalue()


def test_creates_county_staff_with_given_password(world):
    run("zhang", "--role", "county_staff", "--county", "511902", "--password", GOOD_PASSWORD)
    user = User.objects.get(username="zhang")
    assert (user.role, user.county, user.township) == ("county_staff", world.county, None)
    assert user.check_password(GOOD_PASSWORD)


def test_creates_township_secretary_and_checks_county_matches(world):
    run(
        "li",
        "--role",
        "township_secretary",
        "--township",
        "511902100",
        "--county",
        "511902",
        "--password",
        GOOD_PASSWORD,
    )
    assert User.objects.get(username="li").township == world.township_a
    with pytest.raises(CommandError, match="不属于区县"):
        run("wang", "--role", "township_secretary", "--township", "511902100", "--county", "511921")
    assert not User.objects.filter(username="wang").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "city_admin", "--county", "511902"], "不能指定"),
        (["--role", "city_admin", "--city", "5119", "--county", "511902"], "不能指定"),
        (["--role", "city_admin", "--city", "5199"], "市州代码 5199 不存在"),
        (["--role", "province_admin", "--city", "5119"], "不能指定"),
        (["--role", "county_staff", "--county", "511902", "--city", "5119"], "不能指定 --city"),
        (["--role", "county_staff"], "必须指定 --county"),
        (["--role", "county_staff", "--county", "511902", "--township", "511902100"], "不能指定 --township"),
        (["--role", "county_staff", "--county", "999999"], "不存在"),
        (["--role", "township_secretary", "--county", "511902"], "必须指定 --township"),
        (["--role", "township_secretary", "--township", "511902999"], "不存在"),
    ],
)
def test_wrong_role_and_scope_combination_is_refused(world, args, message):
    with pytest.raises(CommandError, match=message):
        run("bad", *args, "--password", GOOD_PASSWORD)
    assert not User.objects.filter(username="bad").exists()


def test_weak_password_is_refused_by_validators(world):
    with pytest.raises(CommandError, match="密码不符合要求"):
        run("weak", "--role", "province_admin", "--password", "123")
    assert not User.objects.filter(username="weak").exists()


def test_a_city_admin_without_city_gets_the_only_city_and_needs_one_among_several(world):
    """The command's form from before the city level keeps working on a single-city database."""
    run("bz", "--role", "city_admin", "--password", GOOD_PASSWORD)
    assert User.objects.get(username="bz").city == world.county.city
    f.CountyFactory(code="510104", name="锦江区")  # a second city
    with pytest.raises(CommandError, match="必须指定 --city"):
        run("two", "--role", "city_admin", "--password", GOOD_PASSWORD)
    assert not User.objects.filter(username="two").exists()


def test_creates_city_and_province_admins(world):
    out = run("bz", "--role", "city_admin", "--city", "5119", "--password", GOOD_PASSWORD)
    user = User.objects.get(username="bz")
    assert (user.role, user.city, user.county, user.township) == ("city_admin", world.county.city, None, None)
    assert "巴中市" in out
    out = run("sheng", "--role", "province_admin", "--password", GOOD_PASSWORD)
    user = User.objects.get(username="sheng")
    assert (user.role, user.city, user.county, user.township) == ("province_admin", None, None, None)
    assert "全省" in out
    # A city admin moved to county staff loses the city (the database constraint would refuse both).
    run("bz", "--role", "county_staff", "--county", "511921")
    user.refresh_from_db()
    assert (User.objects.get(username="bz").city, User.objects.get(username="bz").county) == (None, world.other_county)


def test_without_password_and_terminal_a_password_is_generated_and_printed(world):
    out = run("gen", "--role", "province_admin")
    password = out.split("password: ")[1].strip()
    assert User.objects.get(username="gen").check_password(password)


def test_existing_user_is_updated_and_keeps_password(world):
    run("move", "--role", "township_secretary", "--township", "511902100", "--password", GOOD_PASSWORD)
    out = run("move", "--role", "county_staff", "--county", "511921")
    user = User.objects.get(username="move")
    assert "updated" in out and "password" not in out
    assert (user.role, user.county, user.township) == ("county_staff", world.other_county, None)
    assert user.check_password(GOOD_PASSWORD)
    assert User.objects.filter(username="move").count() == 1


def test_exit_code_is_not_zero_on_error(tmp_path: Path):
    """A fresh, empty database: the county does not exist, so the command fails with a clear message."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    root = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=root, env=env, check=True, capture_output=True)
    result = subprocess.run(
        [sys.executable, "manage.py", "create_user", "x", "--role", "county_staff", "--county", "511902"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode != 0
    assert "区县代码 511902 不存在" in result.stderr
