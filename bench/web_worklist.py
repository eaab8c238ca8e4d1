"""The worklist page at 10,000 cases against the JSON worklist for the same data, over HTTP.

    python -m bench.web_worklist                     # 10,000 cases, 200 timed requests per query
    python -m bench.web_worklist --cases 2000 --repeats 50

The read model is filled as `bench.worklist` fills it (each case walked through its first stages
by the domain's own rules). The API runs as its own process; the page is fetched with a page
session (signed in with OH's access token, as a browser would), the JSON with OH's bearer
token, for the same filters and the same page size, alternately so a busy neighbour slows both.
The target: the page within 2x the JSON's median time.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from dataclasses import dataclass

import httpx

from bench.stack import engine
from bench.worklist import SETTINGS, fill, percentile, time_pair

PAGE_SIZE = 50  # the page's size, and the JSON's default
TARGET = 2.0

# (name, filters): the same parameters go to the page and to the JSON route.
QUERIES: list[tuple[str, dict[str, str]]] = [
    ("oh: first page", {}),
    ("oh: employer + overdue", {"employer": "trust-2", "overdue": "true"}),
    ("oh: stage", {"stage": "planning"}),
]


@dataclass
class Figures:
    rows: list[tuple[str, float, float, float, float]]  # name, page med, p95, json med, p95

    @property
    def ratio(self) -> float:
        """The worst ratio of medians (page / JSON) over the queries."""
        return max(page / json for _, page, _, json, _ in self.rows)


async def signed_in(http: httpx.AsyncClient, token: str) -> None:
    """Sign the client in to the pages; its cookie jar then holds the session."""
    answer = await http.post("/sign-in", data={"access_token": token},
                             headers={"Origin": str(http.base_url).rstrip("/")})
    if answer.status_code != 303 or "rtw_session" not in http.cookies:
        raise RuntimeError(f"signing in failed: {answer.status_code}")


async def measure(cases: int, repeats: int) -> Figures:
    async with engine(worker=False, settings=SETTINGS) as stack:
        await fill(stack.database_url, cases)
        token = stack.tokens["oh"]
        rows = []
        async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as pages, \
                httpx.AsyncClient(base_url=stack.api_url, timeout=30,
                                  headers={"Authorization": f"Bearer {token}"}) as api:
            await signed_in(pages, token)
            for name, filters in QUERIES:
                rows.append((name, *await _pair(pages, api, filters, repeats)))
        return Figures(rows)


async def _pair(pages: httpx.AsyncClient, api: httpx.AsyncClient, filters: dict[str, str],
                repeats: int) -> tuple[float, float, float, float]:
    async def page() -> int:
        answer = await pages.get("/worklist", params=filters)
        answer.raise_for_status()
        return max(answer.text.count('<tr class="nhsuk-table__row') - 1, 0)  # less the heading

    async def json() -> int:
        answer = await api.get("/v1/cases", params={**filters, "limit": str(PAGE_SIZE)})
        answer.raise_for_status()
        return len(answer.json()["items"])

    page_times, json_times, _ = await time_pair(page, json, repeats)
    return (statistics.median(page_times), percentile(page_times, 0.95),
            statistics.median(json_times), percentile(json_times, 0.95))


def render(figures: Figures) -> str:
    lines = [f"{'query':<28} {'page med':>9} {'p95':>7} {'JSON med':>9} {'p95':>7} {'ratio':>6}"]
    for name, page, page95, json, json95 in figures.rows:
        lines.append(f"{name:<28} {page * 1e3:>9.2f} {page95 * 1e3:>7.2f} {json * 1e3:>9.2f}"
                     f" {json95 * 1e3:>7.2f} {page / json:>5.2f}x")
    met = "met" if figures.ratio <= TARGET else "not met"
    lines.append(f"worst ratio page / JSON: {figures.ratio:.2f}x (target <= {TARGET:g}x: {met})")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.web_worklist")
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=200, help="timed requests per query")
    args = parser.parse_args()
    print(f"{args.cases} cases; {args.repeats} requests per query, alternating; times in ms")
    print(render(asyncio.run(measure(args.cases, args.repeats))))


if __name__ == "__main__":
    main()
