import sys
from pathlib import Path

# tests import their own small support modules (notebook_support) by name
sys.path.insert(0, str(Path(__file__).parent))
