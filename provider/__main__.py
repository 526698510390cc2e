"""Entry point of the mlplat plugin: Pulumi runs this folder to serve the components."""

from mlplat.components.plugin import serve

if __name__ == "__main__":
    serve()
