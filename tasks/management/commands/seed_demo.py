"""`manage.py seed_demo [--scale small|city] [--seed N]`: demo data, idempotent (tasks/management/demo/villages.py)."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tasks.management.demo import villages as demo
from tasks.management.demo.tables import Scale


class Command(BaseCommand):
    help = "Load the demo data set (idempotent: a second run creates nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=["small", "city"], default="small")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, scale: Scale, seed: int, **options: Any) -> None:  # scale: one of the choices
        started = time.perf_counter()
        result = demo.seed_demo(scale=scale, seed=seed)
        seeded = time.perf_counter()
        self.stdout.write(f"seed_demo --scale {scale}: created {result.summary()} in {seeded - started:.1f} s")
        for path in demo.run_after_seed_hooks(scale=scale, seed=seed):
            self.stdout.write(f"ran {path}")
        self.stdout.write(f"after-seed hooks: {time.perf_counter() - seeded:.1f} s")
        self.stdout.write(f"Demo accounts (password {demo.DEMO_PASSWORD}): province, city, county, township")
