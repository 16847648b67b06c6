"""Region pages sum their agencies' figures per year, leaving out (and naming) tables that cannot be counted."""

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.slow  # every test here builds or reads a whole site


def totals(html: str) -> dict[str, list[str]]:
    soup = BeautifulSoup(html, "lxml")
    table = soup.find(id="totals").find_next("table")
    return {
        tr.find_all("td")[0].get_text(strip=True): [td.get_text(strip=True) for td in tr.find_all("td")[1:]]
        for tr in table.find("tbody").find_all("tr")
    }


def test_province_page_sums_what_adds_up_and_names_the_rest(default_site):
    root, _ = default_site
    html = (root / "site" / "ningxia" / "index.html").read_text(encoding="utf-8")
    rows = totals(html)
    # 2019: 固原 (seed 003) received 8 applications, completed 8, granted 6; no reviews or lawsuits.
    assert rows["2019"] == ["1 / 1", "8", "8", "6", "0", "0"]
    # 2024: 隆德 (seed 001) has table B (all 0) but table C without numbers: B counts, C does not.
    assert rows["2024"] == ["1 / 1", "0", "0", "0", "", ""]
    text = BeautifulSoup(html, "lxml").get_text()
    assert "隆德县卫生健康局 2024: table C empty" in text


def test_city_and_county_pages_list_their_agencies(default_site):
    root, _ = default_site
    city = (root / "site" / "ningxia" / "guyuan" / "index.html").read_text(encoding="utf-8")
    assert "固原市卫生健康委" in city and "隆德县卫生健康局" in city and "640400" in city
    county = (root / "site" / "qinghai" / "xining" / "chengdong" / "index.html").read_text(encoding="utf-8")
    assert "城东区卫生健康局" in county and "630102" in county
