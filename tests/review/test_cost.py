"""Cost: the price table covers the instance table, unknowns are said, sums are right."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlplat.cli import main
from mlplat.review.cost import HOURS, estimate
from mlplat.review.prices import PriceTable, offer_rows, prices_from_rows, refresh, shipped
from mlplat.review.report import build_review
from mlplat.review.sides import load_side
from mlplat.spec.instances import CPU_FAMILIES, GPU_FAMILIES
from tests.conftest import STACKS
from tests.review.conftest import example_side, pool, write_variant

OFFERS = Path(__file__).parent / "offers"


@pytest.mark.parametrize("region", shipped().regions())
def test_every_instance_type_the_instance_table_knows_has_a_price_or_a_stated_unknown(
    region: str,
) -> None:
    table = shipped()
    for family, gpu in GPU_FAMILIES.items():
        for size in gpu.gpus:
            price = table.get(region, "ec2", f"{family}.{size}")
            assert price.known or price.reason != "not in mlplat's price table", (
                f"{region}: {family}.{size} is neither priced nor listed as unknown"
            )
    listed = table.document["regions"][region]["ec2"]
    unknown = table.document["unknown"][region]["ec2"]
    for family in CPU_FAMILIES:
        priced = any(t.split(".")[0] == family for t in listed)
        assert priced or f"{family}.*" in unknown, f"{region}: {family} family not covered"


def test_every_price_has_a_source_and_the_table_an_as_of_date() -> None:
    table = shipped()
    assert table.as_of and table.as_of[:4].isdigit()
    for region in table.regions():
        for category, items in table.document["regions"][region].items():
            assert table.sources.get(category), category
            assert all(isinstance(v, float | int) and v > 0 for v in items.values()), category


def test_an_unlisted_price_is_unknown_with_a_reason_never_a_guess() -> None:
    table = shipped()
    assert table.get("eu-west-1", "ec2", "x9z.large").reason == "not in mlplat's price table"
    assert "June 2025" in table.get("us-east-1", "ec2", "p5.48xlarge").reason
    assert table.get("ap-south-2", "ec2", "t3.large").reason == "no prices for region ap-south-2"


def test_dev_costs_what_its_parts_cost() -> None:
    dev = example_side("dev")
    cost = estimate(dev.plan)
    by_what = {i.what: i for i in cost.items}
    assert cost.region == "eu-west-1"
    assert by_what["EKS control plane 1.35 (standard support)"].monthly_min == pytest.approx(73.0)
    assert by_what["NAT gateway"].monthly_min == pytest.approx(0.048 * HOURS)
    spec_pool = dev.spec.node_pools[0]
    assert spec_pool.instance_types == ("t3.large",)
    low, high = spec_pool.min_size, spec_pool.max_size
    system = by_what[f"node pool system: {low}-{high} x t3.large"]
    assert (system.monthly_min, system.monthly_max) == pytest.approx(
        (low * 0.0912 * HOURS, high * 0.0912 * HOURS)
    )
    database = next(i for i in cost.items if i.what.startswith("RDS PostgreSQL"))
    assert not database.price.known and database in cost.unknown
    assert cost.total() == pytest.approx(
        sum(i.monthly_min for i in cost.items if i.monthly_min is not None)
    )


def test_resizing_a_pool_shows_the_cost_change(tmp_path: Path) -> None:
    path = write_variant(
        tmp_path,
        lambda d: pool(d, "system").update(maxSize=pool(d, "system")["maxSize"] + 2),
        STACKS / "dev.yaml",
    )
    review = build_review(example_side("dev"), load_side(str(path), "dev"))
    added = review.cost_head.total(True) - review.cost_base.total(True)
    disk = next(i for i in review.cost_head.items if "root volume" in i.what)
    assert added == pytest.approx(2 * 0.0912 * HOURS + 2 * disk.price.value * 50)
    assert review.cost_head.total() == pytest.approx(review.cost_base.total())


def test_gpu_quota_is_priced_per_gpu_when_the_price_is_known() -> None:
    document = json.loads(json.dumps(shipped().document))
    document["regions"]["eu-west-1"]["ec2"]["p4d.24xlarge"] = 32.0
    cost = estimate(example_side("prod").plan, PriceTable(document))
    recsys = cost.by_team()["recsys"]
    # 24 A100s of the training pool at 32/8 an hour, plus 4 L4s (g6.xlarge: unknown).
    assert recsys == (None, None)
    training = [q for q in cost.quotas if q.team == "recsys" and q.pool == "gpu-training"]
    assert training[0].monthly() == pytest.approx(24 * 32.0 / 8 * HOURS)
    assert training[0].monthly(True) == pytest.approx(32 * 32.0 / 8 * HOURS)


def test_the_as_of_date_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cost", "stacks/dev.yaml"]) == 0
    out = capsys.readouterr().out
    assert f"prices as of {shipped().as_of}" in out
    assert "unknown: RDS PostgreSQL db.t4g.small Single-AZ" in out
    prod = example_side("prod")
    from mlplat.review.comment import render_markdown
    from mlplat.review.text import render_text

    review = build_review(prod, prod)
    assert f"as of **{shipped().as_of}**" in render_markdown(review)[0]
    assert f"prices as of {shipped().as_of}" in render_text(review)


def test_refresh_reads_the_offer_file_format() -> None:
    lines = (OFFERS / "AmazonEC2" / "eu-west-1.csv").read_text().splitlines(keepends=True)
    rows = list(offer_rows(lines))
    assert len(rows) == 9 and rows[0]["Instance Type"] == "m7i.xlarge"
    prices = prices_from_rows("AmazonEC2", rows)
    # On-demand Linux, shared tenancy, no pre-installed software, used capacity only.
    assert prices == {
        "ec2": {"m7i.xlarge": 0.2247},
        "nat": {"hour": 0.048, "gb": 0.048},
        "ebs": {"gp3": 0.088},
    }


def test_refresh_builds_a_table_the_estimate_uses(tmp_path: Path) -> None:
    def offline(url: str):
        raise AssertionError(f"no network in tests: {url}")

    table = refresh(["eu-west-1"], OFFERS, opener=offline)
    assert table["regions"]["eu-west-1"]["ec2"] == {"m7i.xlarge": 0.2247}
    assert table["asOf"] and table["sources"] == shipped().sources
    cost = estimate(example_side("prod").plan, PriceTable(table))
    system = next(i for i in cost.items if i.what.startswith("node pool system"))
    assert system.monthly_min == pytest.approx(3 * 0.2247 * HOURS)
    out = tmp_path / "prices.json"
    code = main(
        ["prices", "refresh", "--region", "eu-west-1", "--offers", str(OFFERS), "-o", str(out)]
    )
    assert code == 0 and json.loads(out.read_text())["regions"]["eu-west-1"]["nat"]["hour"] == 0.048


def test_a_capacity_block_pool_is_listed_with_its_price_unknown(tmp_path: Path) -> None:
    def to_block(doc: dict) -> None:
        pool(doc, "gpu-training").update(
            capacityType="capacityBlock", capacityReservationId="cr-0123456789abcdef0"
        )

    cost = estimate(load_side(str(write_variant(tmp_path, to_block)), "prod").plan)
    [training] = [i for i in cost.items if i.what.startswith("node pool gpu-training: 0-4 x")]
    assert training.what == "node pool gpu-training: 0-4 x p4d.24xlarge (8x A100-40GB)"
    assert not training.price.known and training in cost.unknown
    assert "Capacity Block" in training.price.reason
    assert training.gpu_hours_max == 8 * 4 * HOURS
    on_demand = estimate(example_side("prod").plan)
    assert on_demand.gpu_hours_max == cost.gpu_hours_max
