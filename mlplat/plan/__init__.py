"""The offline plan: the Pulumi program run in-process under Pulumi's mock runtime."""
