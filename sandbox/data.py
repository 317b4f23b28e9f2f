"""Realistic dispatch data: valid 案号, resident IDs (GB 11643) and USCCs (GB 32100), finance case causes."""

import hashlib
import random
from datetime import date, timedelta

from stdnum.cn import ric, uscc

COURTS = [  # (court code, name) — Guangzhou and Shenzhen basic courts and the Guangzhou intermediate court
    ("粤0104", "广州市越秀区人民法院"),
    ("粤0105", "广州市海珠区人民法院"),
    ("粤0106", "广州市天河区人民法院"),
    ("粤0111", "广州市白云区人民法院"),
    ("粤0303", "深圳市罗湖区人民法院"),
    ("粤0304", "深圳市福田区人民法院"),
    ("粤01", "广东省广州市中级人民法院"),
]
# The code lists this court publishes (GET /api/v1/codes), in its own words: only codes, no meanings.
CODE_LISTS_VERSION = "2026.1"
CODE_LISTS = {
    "message_type": ["PQ", "CD", "JZ", "JG", "XY", "SQ", "JA"],
    "flow": ["01", "02", "03", "04"],
    "procedure": ["1", "2"],
    "party_role": ["01", "02", "03", "04", "05", "06", "07"],
    "party_kind": ["1", "2", "3"],
    "id_type": ["01", "02", "03", "99"],
    "progress_kind": ["01", "02", "03", "04", "05", "06", "07"],
    "signer_role": ["01", "02", "03", "04", "05", "06", "07", "20", "30"],
    "decline_reason": ["1", "2", "3"],
    "outcome": ["1", "2", "3", "4", "5", "6", "7", "8"],
    "decision_kind": ["1", "2", "3"],
    "jc_result": ["1", "2", "3", "4"],
    "court_status": ["10", "11", "20", "21", "30", "31", "40", "50", "60", "61", "62", "63", "64", "70", "80"],
}
DIVISIONS = ["440104", "440105", "440106", "440111", "440303", "440304", "440103", "445102"]
CAUSES = [  # (cause, weight) — 2020 catalogue names
    ("信用卡纠纷", 35),
    ("金融借款合同纠纷", 25),
    ("小额借款合同纠纷", 10),
    ("财产保险合同纠纷", 10),
    ("人身保险合同纠纷", 8),
    ("保险纠纷", 4),
    ("机动车交通事故责任纠纷", 8),
]
INSTITUTIONS = [
    "中国工商银行股份有限公司广州分行",
    "招商银行股份有限公司信用卡中心",
    "广发银行股份有限公司",
    "中国平安财产保险股份有限公司广东分公司",
    "中国人寿保险股份有限公司广东省分公司",
    "广州农村商业银行股份有限公司",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁郑谢宋唐"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华文建国志红"


def resident_id(rng: random.Random) -> str:
    born = date(1960, 1, 1) + timedelta(days=rng.randrange(0, 365 * 42))
    body = f"{rng.choice(DIVISIONS)}{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return body + ric.calc_check_digit(body + "0")


def social_credit_code(name: str) -> str:
    # Stable per institution: the same bank keeps its code across dispatches, as in life.
    digest = int(hashlib.sha256(name.encode()).hexdigest(), 16)
    body = f"91440000{digest % 10**9:09d}"
    return body + uscc.calc_check_digit(body)


def mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(0, 10**9):09d}"


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def weighted_cause(rng: random.Random) -> str:
    return rng.choices([c for c, _ in CAUSES], weights=[w for _, w in CAUSES])[0]


def amount(rng: random.Random, cause: str) -> str:
    low, high = (2_000, 80_000) if cause in ("信用卡纠纷", "小额借款合同纠纷") else (10_000, 600_000)
    cents = rng.randrange(low * 100, high * 100)
    return f"{cents // 100}.{cents % 100:02d}"
