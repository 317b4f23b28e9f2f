"""Case causes: 2020-catalogue names (every finance cause and its parents), a near miss quarantined (never guessed),
platform numeric codes mapped, the catalogue checked as data."""

import json
from dataclasses import replace
from pathlib import Path

import pytest

from adapter.errors import InvalidRequest
from adapter.services import CentreServices
from adapter.testing import FakeClock
from adapter.testing.fake_store import FakeCaseStore
from mappings import odr_rest
from mappings.court_fields import case_to_canonical
from reference.causes import PARTS, SEPARATOR, CauseCatalogueError, causes
from reference.causes import parse as parse_catalogue
from reference.errors import UnknownCode
from sandbox import data
from schemas.enums import Flow
from tests.support import samples

SAMPLE = Path(__file__).parents[1] / "data" / "odr_rest" / "dispatch.json"


def _ajxx(cause: str) -> dict:
    ajxx = json.loads(SAMPLE.read_text(encoding="utf-8"))["ajxx"]
    ajxx["ay"] = cause
    return ajxx


def test_the_catalogue_covers_the_finance_causes_and_traffic_accidents() -> None:
    names = causes().names
    for name in ("信用卡纠纷", "金融借款合同纠纷", "财产保险合同纠纷", "人身保险合同纠纷", "机动车交通事故责任纠纷"):
        assert name in names
    assert causes().version
    assert all(cause in names for cause, _ in data.CAUSES)  # what the sandbox court dispatches


def test_a_cause_outside_the_catalogue_names_platform_table_field_and_value() -> None:
    with pytest.raises(UnknownCode) as caught:
        case_to_canonical(_ajxx("信用卡纠葛"), "A1", odr_rest.tables("court-gz"))
    assert (caught.value.platform, caught.value.table, caught.value.field, caught.value.value) == (
        "court-gz",
        "cause",
        "ajxx.ay",
        "信用卡纠葛",
    )


def test_a_platform_that_sends_numeric_codes_maps_them_in_its_own_table() -> None:
    base = odr_rest.tables("court-gz")
    tables = replace(base, tables={**base.tables, "cause": {"9299": "信用卡纠纷"}})
    assert case_to_canonical(_ajxx("9299"), "A1", tables).cause == "信用卡纠纷"
    with pytest.raises(UnknownCode, match="'9300'"):
        case_to_canonical(_ajxx("9300"), "A1", tables)


# Every cause added in catalogue version 2020.2, spelt as 民事案件案由规定 (法〔2020〕347号) spells it — listed here,
# not read from causes.toml, so a name dropped or misspelt in the data file fails this test.
ADDED_IN_2020_2 = [
    # 合同、准合同纠纷 › 合同纠纷, and its finance children
    "合同纠纷",
    "债权人代位权纠纷",
    "债权人撤销权纠纷",
    "债权转让合同纠纷",
    "债务转移合同纠纷",
    "债权债务概括转移合同纠纷",
    "债务加入纠纷",
    "进出口押汇纠纷",
    "保理合同纠纷",
    "委托理财合同纠纷",
    "金融委托理财合同纠纷",
    "民间委托理财合同纠纷",
    "服务合同纠纷",
    "银行结算合同纠纷",
    "追偿权纠纷",
    "不当得利纠纷",
    # 与公司、证券、保险、票据等有关的民事纠纷 › 证券纠纷
    "证券权利确认纠纷",
    "股票权利确认纠纷",
    "公司债券权利确认纠纷",
    "国债权利确认纠纷",
    "证券投资基金权利确认纠纷",
    "证券交易合同纠纷",
    "股票交易纠纷",
    "公司债券交易纠纷",
    "国债交易纠纷",
    "证券投资基金交易纠纷",
    "金融衍生品种交易纠纷",
    "证券承销合同纠纷",
    "证券代销合同纠纷",
    "证券包销合同纠纷",
    "证券投资咨询纠纷",
    "证券资信评级服务合同纠纷",
    "证券回购合同纠纷",
    "股票回购合同纠纷",
    "国债回购合同纠纷",
    "公司债券回购合同纠纷",
    "证券投资基金回购合同纠纷",
    "质押式证券回购纠纷",
    "证券上市合同纠纷",
    "证券交易代理合同纠纷",
    "证券上市保荐合同纠纷",
    "证券发行纠纷",
    "证券认购纠纷",
    "证券发行失败纠纷",
    "证券返还纠纷",
    "证券欺诈责任纠纷",
    "证券内幕交易责任纠纷",
    "操纵证券交易市场责任纠纷",
    "欺诈客户责任纠纷",
    "证券托管纠纷",
    "证券登记、存管、结算纠纷",
    "融资融券交易纠纷",
    "客户交易结算资金纠纷",
    # 期货交易纠纷
    "期货交易纠纷",
    "期货经纪合同纠纷",
    "期货透支交易纠纷",
    "期货强行平仓纠纷",
    "期货实物交割纠纷",
    "期货保证合约纠纷",
    "期货交易代理合同纠纷",
    "侵占期货交易保证金纠纷",
    "期货欺诈责任纠纷",
    "操纵期货交易市场责任纠纷",
    "期货内幕交易责任纠纷",
    "期货虚假信息责任纠纷",
    # 信托纠纷
    "民事信托纠纷",
    "公益信托纠纷",
    # 票据纠纷
    "票据交付请求权纠纷",
    "票据返还请求权纠纷",
    "票据损害责任纠纷",
    "票据利益返还请求权纠纷",
    "汇票回单签发请求权纠纷",
    "票据保证纠纷",
    "确认票据无效纠纷",
    "票据代理纠纷",
    "票据回购纠纷",
    # 信用证纠纷, 独立保函纠纷
    "信用证纠纷",
    "委托开立信用证纠纷",
    "信用证开证纠纷",
    "信用证议付纠纷",
    "信用证欺诈纠纷",
    "信用证融资纠纷",
    "信用证转让纠纷",
    "独立保函纠纷",
    "独立保函开立纠纷",
    "独立保函付款纠纷",
    "独立保函追偿纠纷",
    "独立保函欺诈纠纷",
    "独立保函转让纠纷",
    "独立保函通知纠纷",
    "独立保函撤销纠纷",
    # 侵权责任纠纷 (the parent of 机动车交通事故责任纠纷)
    "侵权责任纠纷",
]


@pytest.mark.parametrize("cause", ADDED_IN_2020_2)
def test_every_added_cause_is_accepted_from_a_court(cause: str) -> None:
    """A dispatch naming any finance cause of the 2020 catalogue is read, not quarantined as unknown_code."""
    assert case_to_canonical(_ajxx(cause), "A1", odr_rest.tables("court-gz")).cause == cause


@pytest.mark.parametrize(
    "near_miss",
    [
        "追偿纠纷",  # 权 left out
        "追偿权纠份",  # 份 for 纷
        "保理纠纷",  # 合同 left out
        "商业保理合同纠纷",  # a qualifier the catalogue does not have
        "保理合同",  # 纠纷 left out
        "金融借款纠纷",
        "融资租赁纠纷",
        "保险合同纠纷",  # colloquial; the catalogue has 财产/人身保险合同纠纷 and 保险纠纷
        "证券虚假陈述纠纷",
        "信用卡糾紛",  # traditional characters
        "信用卡纠纷纠纷",
        "票据纠纷案",
        "信用证纠纷（2020）",
        "独立保函纠纷\u200b",  # an invisible character is not stripped into a match
        "交通事故责任纠纷",  # not a node of the 2020 catalogue
    ],
)
def test_a_near_miss_is_refused_as_an_unknown_code(near_miss: str) -> None:
    """Causes are exchanged by name: one character off is not guessed into the nearest cause."""
    with pytest.raises(UnknownCode) as caught:
        case_to_canonical(_ajxx(near_miss), "A1", odr_rest.tables("court-gz"))
    assert (caught.value.table, caught.value.value) == ("cause", near_miss)


def test_the_centres_own_intake_takes_the_added_causes_too() -> None:
    """Flow C is held to the same catalogue: 追偿权纠纷 registers, 追偿纠纷 is refused naming the catalogue."""
    services = CentreServices(FakeCaseStore(), FakeClock(samples.T0))
    assert services.register_self_received(samples.dispatch(Flow.SELF_RECEIVED, cause="追偿权纠纷"))
    with pytest.raises(InvalidRequest, match="2020 catalogue"):
        services.register_self_received(samples.dispatch(Flow.SELF_RECEIVED, "other", cause="追偿纠纷"))


def test_the_shipped_catalogue_names_its_source_and_lists_every_parent() -> None:
    catalogue = causes()
    assert catalogue.version and "法〔2020〕347号" in catalogue.source
    for name, path in catalogue.names.items():
        part, *ancestors = path.split(SEPARATOR)
        assert part in PARTS and all(a in catalogue.names for a in ancestors), name


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('[meta]\nversion = "1"\n[causes]\n', "version and source"),
        ('[meta]\nsource = "s"\n[causes]\n', "version and source"),
        (
            '[meta]\nversion = "1"\nsource = "s"\n[causes]\n"信用卡纠纷" = "合同、准合同纠纷 › 合同纠纷"\n',
            "parent 合同纠纷",
        ),
        ('[meta]\nversion = "1"\nsource = "s"\n[causes]\n"合同纠纷" = "合同纠纷部分"\n', "not a part"),
    ],
)
def test_a_broken_catalogue_is_refused_naming_the_problem(text: str, said: str) -> None:
    with pytest.raises(CauseCatalogueError, match=said):
        parse_catalogue(text)
