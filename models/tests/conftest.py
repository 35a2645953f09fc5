import pathlib
import sys

MODELS = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(MODELS))
