"""The platform diagram and the diagram of a change."""

from __future__ import annotations

import copy
import dataclasses

from mlplat.review.diagram import MAX_TEAMS, diff_graph, graph_of, mermaid
from tests.review.conftest import example_side


def test_the_prod_graph_has_every_part_and_its_real_edges() -> None:
    graph = graph_of(example_side("prod").plan)
    categories = {n.category for n in graph.nodes.values()}
    assert categories == {"network", "cluster", "stores", "services", "teams"}
    pools = sorted(
        n.label.split("<br/>")[0] for n in graph.nodes.values() if n.id.startswith("n_NodePool")
    )
    assert pools == ["general", "gpu-inference", "gpu-notebooks", "gpu-training", "system"]
    edges = {(a, b, label) for a, b, label in graph.edges}
    assert (
        "n_Team_mlplat_prod_team_recsys",
        "n_NodePool_mlplat_prod_gpu_training",
        "24 GPUs",
    ) in edges
    assert ("n_Mlflow_mlplat_prod_mlflow", "n_Database_mlplat_prod", "") in edges
    assert ("n_Network_mlplat_prod", "n_EksCluster_mlplat_prod", "") in edges
    # Folded in: the add-ons and access entries draw as the cluster, identities as services.
    assert not [n for n in graph.nodes if "EksAddons" in n or "WorkloadIdentity" in n]
    text = mermaid(graph)
    assert text.startswith("flowchart LR\n") and "subgraph teams[Teams]" in text
    assert "classDef" not in text


def test_a_change_draws_what_changed_and_its_neighbours_only() -> None:
    base = example_side("prod").plan
    head = copy.deepcopy(base)
    head["resources"] = [r for r in head["resources"] if "team-nlp" not in r["urn"]]
    changed = {r["urn"]: "delete" for r in base["resources"] if "team-nlp" in r["urn"]}
    graph, shown = diff_graph(base, head, changed)
    assert graph.nodes["n_Team_mlplat_prod_team_nlp"].status == "removed"
    assert "n_NodePool_mlplat_prod_gpu_training" in shown  # its quota edge's other end
    assert "n_Airflow_mlplat_prod_airflow" not in shown
    text = mermaid(graph, shown)
    assert "class n_Team_mlplat_prod_team_nlp removed" in text
    assert "stroke-dasharray" in text


def test_many_teams_collapse_into_one_node() -> None:
    graph = graph_of(example_side("prod").plan)
    template = graph.nodes["n_Team_mlplat_prod_team_nlp"]
    for i in range(MAX_TEAMS + 5):
        node_id = f"n_Team_extra_{i:02d}"
        graph.nodes[node_id] = dataclasses.replace(template, id=node_id, status="added")
    text = mermaid(graph)
    drawn = [line for line in text.splitlines() if line.strip().startswith("n_Team_")]
    assert len(drawn) == MAX_TEAMS
    assert "7 more teams (added)" in text
