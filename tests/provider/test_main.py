"""provider/__main__.py run as Pulumi runs a source plugin: ``python <folder> <engine>``.

The plugin answers GetSchema over gRPC on loopback, as `pulumi package add` asks it to
before generating an SDK; the engine address is never dialled for that call.
"""

import json
import subprocess
import sys

import grpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

import mlplat
from mlplat.components.plugin import MlplatProvider, public_components
from tests.conftest import ROOT

STARTUP_SECONDS = 60


def test_the_plugin_folder_serves_the_schema_over_grpc() -> None:
    plugin = subprocess.Popen(
        [sys.executable, str(ROOT / "provider"), "127.0.0.1:9"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        assert plugin.stdout is not None
        port = int(plugin.stdout.readline().decode().strip() or 0)
        assert port > 0, plugin.stderr.read().decode() if plugin.stderr else ""
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = provider_pb2_grpc.ResourceProviderStub(channel)
            answer = stub.GetSchema(provider_pb2.GetSchemaRequest(version=0), timeout=30)
    finally:
        plugin.terminate()
        plugin.communicate(timeout=STARTUP_SECONDS)
    schema = json.loads(answer.schema)
    expected = json.loads(MlplatProvider(public_components(), mlplat.__version__).schema)
    assert schema == expected
    assert schema["name"] == "mlplat" and schema["version"] == mlplat.__version__
    assert "mlplat:index:Network" in schema["resources"]
