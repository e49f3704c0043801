"""The embedder's `facegate` commands: model weights. `register` adds them to the parser."""

import argparse
import sys


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the embedder's commands to `facegate`."""
    models = commands.add_parser("models", help="model weights")
    models_sub = models.add_subparsers(dest="action", required=True)
    pull = models_sub.add_parser("pull", help="put a model's weights in place")
    pull.add_argument("--model", help="DeepFace model name (default: EMBEDDER_MODEL)")
    pull.add_argument("--detector", help="DeepFace detector (default: EMBEDDER_DETECTOR)")
    pull.set_defaults(handler=pull_weights)


def pull_weights(args: argparse.Namespace) -> int:
    """`facegate models pull`: the weights of a model and detector, checked, in place."""
    from embedder.config import EmbedderSettings
    from embedder.errors import WeightsMissing
    from embedder.weights import engine_for, point_deepface_at, pull

    settings = EmbedderSettings()
    model = args.model or settings.model
    detector = args.detector or settings.detector
    point_deepface_at(settings.deepface_home, engine_for(model, settings.engine))
    try:
        pull(model, detector, settings.deepface_home)
    except WeightsMissing as missing:
        print(f"facegate: {missing}", file=sys.stderr)
        return 2
    print(f"weights for model {model} and detector {detector} are in {settings.deepface_home}")
    return 0
