"""The README's complaint-desk settings are the settings a newcomer copies: they must load as written."""

import re
import tomllib
from pathlib import Path

from adapter.config.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_desk_and_complaint_settings_load_as_written() -> None:
    block = re.search(r"```toml\n(\[desks\.[^\n]*\].*?)```", README.read_text(encoding="utf-8"), re.S)
    assert block is not None, "README lost its [desks.*] example"
    data = tomllib.loads(block.group(1))
    settings = Settings(database_url="sqlite:///unused.db", desks=data["desks"], complaints=data["complaints"])
    desk = next(iter(settings.desks.values()))
    assert desk.memorandum is not None and desk.memorandum.small_claim_cap > 0
    assert desk.institution_uscc and settings.complaints.repeat_window_days == data["complaints"]["repeat_window_days"]
