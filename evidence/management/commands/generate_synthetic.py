"""Fill the database with synthetic data at scale, for benchmarks.

    python manage.py generate_synthetic --claims 2000 --studies 100000 \\
        --evidence 1000000 --seed 1

Replaces earlier synthetic data; refuses a database that holds curated data
unless ``--force`` (see evidence/synthetic.py).
"""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from ...synthetic import RealDataPresent, synthetic_generate


class Command(BaseCommand):
    help = "Fill the database with reproducible synthetic claims, studies and evidence links."

    def add_arguments(self, parser):
        parser.add_argument("--claims", type=int, default=100)
        parser.add_argument("--studies", type=int, default=2_000)
        parser.add_argument("--evidence", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Add synthetic data even though the database holds curated data.",
        )

    def handle(self, *args, claims, studies, evidence, seed, force, **options):
        if min(claims, studies, evidence) < 1:
            raise CommandError("--claims, --studies and --evidence must be at least 1.")
        bars = []
        quiet = options["verbosity"] < 1

        def progress(name, total):
            bar = tqdm(total=total, desc=name, unit=" rows", disable=quiet)
            bars.append(bar)
            return bar.update

        try:
            counts = synthetic_generate(
                claims=claims,
                studies=studies,
                evidence=evidence,
                seed=seed,
                force=force,
                progress=progress,
            )
        except (RealDataPresent, ValueError) as error:
            raise CommandError(str(error)) from error
        finally:
            for bar in bars:
                bar.close()
        self.stdout.write(
            self.style.SUCCESS(
                f"Synthetic data (seed {seed}): {counts['claims']} claims, "
                f"{counts['studies']} studies, {counts['evidence']} evidence links; "
                "profiles refreshed."
            )
        )
