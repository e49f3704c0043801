"""Finding LFW on disk, its people and photos, and its pair lists.

LFW is never committed: point LFW_DIR (or --lfw) at a folder holding
`images_deepfunneled/<Name>/<Name>_NNNN.jpg` and the pair lists, or at a fetched git
snapshot of the LFW site's repository (umass-vis-lfw/umass-vis-lfw.github.io), which is
unpacked once into var/lfw.
"""

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from facegate_shared.paths import REPO_ROOT

UNPACKED = REPO_ROOT / "var" / "lfw"
IMAGES = "images_deepfunneled"
PAIR_LISTS = ("pairs.txt", "pairsDevTrain.txt", "pairsDevTest.txt")
HOW_TO_GET = (
    "LFW is not on this machine. Fetch a snapshot of the LFW site's repository "
    "(umass-vis-lfw/umass-vis-lfw.github.io) and set LFW_DIR to its git directory, or to "
    "a folder with images_deepfunneled/ and pairs.txt, pairsDevTrain.txt, pairsDevTest.txt."
)


@dataclass(frozen=True)
class Pair:
    first: str  # image ids: "<Name>/<Name>_NNNN"
    second: str
    same: bool


@dataclass(frozen=True)
class Lfw:
    root: Path
    people: dict[str, list[str]]  # name -> image ids, in file order

    def path(self, image_id: str) -> Path:
        return self.root / IMAGES / f"{image_id}.jpg"

    def images(self) -> list[str]:
        return [image for name in sorted(self.people) for image in self.people[name]]

    def pairs(self, list_name: str) -> list[Pair]:
        """A pair list: View 2's pairs.txt (10 folds of 300 + 300) or View 1's Dev lists."""
        lines = (self.root / list_name).read_text().splitlines()[1:]
        pairs = []
        for line in lines:
            fields = line.split()
            if len(fields) == 3:
                name, a, b = fields
                pairs.append(Pair(_image(name, a), _image(name, b), True))
            elif len(fields) == 4:
                first, a, second, b = fields
                pairs.append(Pair(_image(first, a), _image(second, b), False))
        return pairs

    def people_in(self, list_name: str) -> set[str]:
        """Everyone named in a pair list."""
        return {pair.first.split("/")[0] for pair in self.pairs(list_name)} | {
            pair.second.split("/")[0] for pair in self.pairs(list_name)
        }


def _image(name: str, number: str) -> str:
    return f"{name}/{name}_{int(number):04d}"


def locate(given: str | None = None) -> Lfw | None:
    """LFW from --lfw, LFW_DIR or an earlier unpacking; None when there is none."""
    source = given or os.environ.get("LFW_DIR")
    if source:
        root = Path(source)
        if (root / IMAGES).is_dir():
            return load(root)
        if _is_git_dir(root):
            return load(unpack(root, UNPACKED))
        raise SystemExit(f"{root} is neither an LFW folder nor a git snapshot of one")
    if (UNPACKED / IMAGES).is_dir():
        return load(UNPACKED)
    return None


def load(root: Path) -> Lfw:
    folder = root / IMAGES
    people = {
        person.name: sorted(f"{person.name}/{image.stem}" for image in person.glob("*.jpg"))
        for person in sorted(folder.iterdir())
        if person.is_dir()
    }
    return Lfw(root, people)


def unpack(git_dir: Path, target: Path) -> Path:
    """The images and pair lists out of a git snapshot (no work tree), once."""
    if (target / IMAGES).is_dir() and all((target / name).is_file() for name in PAIR_LISTS):
        return target
    target.mkdir(parents=True, exist_ok=True)
    archive = subprocess.Popen(
        ["git", f"--git-dir={git_dir}", "archive", "HEAD", IMAGES, *PAIR_LISTS],
        stdout=subprocess.PIPE,
    )
    subprocess.run(["tar", "-x", "-C", str(target)], stdin=archive.stdout, check=True)
    if archive.wait() != 0:
        raise SystemExit(f"could not unpack LFW from {git_dir}")
    return target


def _is_git_dir(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / "objects").is_dir()
