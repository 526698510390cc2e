"""Operator secrets come from the stack's secret config, so the first pulumi up works."""

from __future__ import annotations

import pytest

from mlplat import config_secrets
from mlplat.build import build
from mlplat.services.airflow import GIT_SSH_KEY
from mlplat.services.mlflow import OIDC_CLIENT_SECRET
from mlplat.spec import load_spec
from tests.conftest import STACKS, planned


def test_the_prod_example_needs_the_deploy_key_and_the_oidc_client_secret() -> None:
    spec = load_spec(STACKS / "prod.yaml").spec
    assert spec is not None
    assert config_secrets.needed(spec) == [GIT_SSH_KEY, OIDC_CLIENT_SECRET]
    dev = load_spec(STACKS / "dev.yaml").spec
    assert dev is not None and config_secrets.needed(dev) == []


def test_without_the_config_the_program_says_which_command_sets_it(synth) -> None:
    spec = load_spec(STACKS / "prod.yaml").spec
    assert spec is not None
    with pytest.raises(
        Exception, match=r"mlplat:airflowGitSshKey; set it: pulumi config set --secret"
    ):
        synth(lambda: build(spec))


def test_the_offline_plan_creates_the_secrets_with_stand_ins_it_never_shows() -> None:
    names = {
        r.inputs["metadata"].get("name"): r.inputs
        for r in planned(STACKS / "prod.yaml").resources
        if r.type == "kubernetes:core/v1:Secret"
    }
    assert names["airflow-git-deploy-key"]["stringData"] == "[secret]"
    assert names["mlflow-oidc-client"]["stringData"] == "[secret]"
