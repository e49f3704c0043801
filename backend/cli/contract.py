"""`facegate openapi`: the API contract as the app serves it (make openapi commits it)."""

import argparse
import sys

from backend.main import contract


def print_contract(args: argparse.Namespace) -> int:
    sys.stdout.write(contract())
    return 0
