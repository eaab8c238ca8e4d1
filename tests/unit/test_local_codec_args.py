"""`rtw run` hands its dev server the API's codec route and its UI's origins to the API."""

from __future__ import annotations

from pathlib import Path

from api.routes.codec import cors_origins
from localstack.temporal import dev_server_args, ui_origins


def test_the_dev_server_ui_is_pointed_at_the_codec_route() -> None:
    args = dev_server_args(db_file=Path("t.db"), port=7233, ui_port=8233, namespace="default",
                           codec_endpoint="http://127.0.0.1:8000/v1/codec")
    assert args[args.index("--ui-codec-endpoint") + 1] == "http://127.0.0.1:8000/v1/codec"
    plain = dev_server_args(db_file=Path("t.db"), port=7233, ui_port=8233, namespace="default")
    assert "--ui-codec-endpoint" not in plain


def test_a_loopback_ui_is_allowed_under_both_of_its_names() -> None:
    assert cors_origins(ui_origins("127.0.0.1", 8233)) == [
        "http://127.0.0.1:8233", "http://localhost:8233"]
    assert cors_origins(ui_origins("10.0.0.5", 9000)) == ["http://10.0.0.5:9000"]


def test_origins_are_read_without_blanks_or_trailing_slashes() -> None:
    assert cors_origins("") == []
    assert cors_origins("https://ui.example/, ,http://127.0.0.1:8233") == [
        "https://ui.example", "http://127.0.0.1:8233"]
