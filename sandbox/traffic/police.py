"""The sandbox police feed: realistic accident certificates (认定书, [P18 Art 64]) as the platform hands them to
a centre inside an offer — plates such as 粤A·12345, certificate numbers, each party's liability in one of the five
levels of [P18 Art 60], parties with valid resident IDs (GB 11643), policies with valid insurer USCCs (GB 32100),
harm and claims by head in yuan. Deterministic for a seed, so a test can name what it expects.

Times follow the police periods in working days [P18 Arts 62, 65]: the certificate is made within 10 working
days of the accident and delivered within 3 working days of being made; the offer follows the delivery.
"""

import random
import string
from datetime import datetime, time
from decimal import Decimal
from typing import Any

from adapter.deadlines.calendar import WorkCalendar
from sandbox.data import DIVISIONS, mobile, person_name, resident_id, social_credit_code

LEVELS = ("full", "main", "equal", "secondary", "none")  # [P18 Art 60]
# Who bears what when two vehicles collide: (party 1, party 2) per the certificate
PAIRS = (("full", "none"), ("main", "secondary"), ("equal", "equal"), ("secondary", "main"), ("none", "full"))
INSURERS = (
    "中国人民财产保险股份有限公司广东省分公司",
    "中国平安财产保险股份有限公司广东分公司",
    "中国太平洋财产保险股份有限公司广东分公司",
    "中华联合财产保险股份有限公司广东分公司",
)
CITY = {"4401": "穗", "4403": "深", "4406": "佛", "4419": "莞", "4451": "潮"}  # the police units' short names
PLATE_CITIES = ("粤A", "粤B", "粤E", "粤S")  # Guangzhou, Shenzhen, Foshan, Dongguan
HEADS = ("01", "02", "03", "04", "05", "06", "12")  # 医疗费 误工费 护理费 交通费 住院伙食补助费 营养费 财产损失
COMPULSORY_LIMIT = Decimal("200000.00")  # 交强险 total limit since 2020 (death/disability 180,000 + medical 18,000
# + property 2,000)


def plate(rng: random.Random) -> str:
    """A civil plate as written on certificates: 粤A·12345 (5 letters and digits, no I or O)."""
    alphabet = string.digits + "ABCDEFGHJKLMNPQRSTUVWXYZ"
    return f"{rng.choice(PLATE_CITIES)}·{''.join(rng.choice(alphabet) for _ in range(5))}"


def cert_no(division: str, year: int, serial: int) -> str:
    """A certificate number in the form police units print: 穗公交认字〔2026〕第00123号 (the city's short name: a
    number of five digits, never one a mask would take for an ID)."""
    return f"{CITY.get(division[:4], '粤')}公交认字〔{year}〕第{serial:05d}号"


def policy_no(rng: random.Random, year: int, cover: str) -> str:
    return f"{'ADZA' if cover == 'compulsory' else 'ADAA'}{year}44{rng.randrange(10**13):013d}"


def certificate(
    rng: random.Random,
    serial: int,
    accident_at: datetime,
    calendar: WorkCalendar,
    levels: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """An accident as the police feed states it (CaseOffered's fields, schemas/traffic.py, without the offer's own):
    certificate, parties (two drivers, their insurers), vehicles, policies, harm, claims."""
    division = rng.choice(DIVISIONS)
    made = calendar.add_working_days(accident_at.date(), rng.randint(3, 10)).last_day  # [P18 Art 62]
    delivered = calendar.add_working_days(made, rng.randint(1, 3)).last_day  # [P18 Art 65]
    issued_at = datetime.combine(made, time(16, 0), tzinfo=accident_at.tzinfo)
    delivered_at = datetime.combine(delivered, time(10, 0), tzinfo=accident_at.tzinfo)
    levels = levels or rng.choice(PAIRS)
    # The party bearing less liability claims from the other (equal shares: the second party claims)
    claimant = 1 if LEVELS.index(levels[0]) > LEVELS.index(levels[1]) else 2
    parties: list[dict[str, Any]] = []
    vehicles, policies, insurers = [], [], []
    for n, _level in enumerate(levels, start=1):
        ref = f"P{n}"
        parties.append(
            {
                "party_ref": ref,
                "role": "claimant" if n == claimant else "liable",  # 赔偿权利人 / 赔偿义务人
                "kind": "natural_person",
                "name": person_name(rng),
                "id_type": "resident_id",
                "id_number": resident_id(rng),
                "phone": mobile(rng),
            }
        )
        car = plate(rng)
        vehicles.append({"plate": car, "vehicle_kind": "小型轿车", "owner_ref": ref, "driver_ref": ref})
        insurer = INSURERS[(serial + n) % len(INSURERS)]  # two different insurers per accident
        insurers.append(insurer)
        for cover, limit in (("compulsory", COMPULSORY_LIMIT), ("commercial", Decimal(rng.choice((1, 2, 3))) * 10**6)):
            policies.append(
                {
                    "insurer_uscc": social_credit_code(insurer),
                    "insurer_name": insurer,
                    "policy_no": policy_no(rng, accident_at.year, cover),
                    "cover": cover,
                    "limit": f"{limit:.2f}",
                    "insured_ref": ref,
                    "plate": car,
                }
            )
    for n, insurer in enumerate(insurers, start=1):
        parties.append(
            {
                "party_ref": f"I{n}",
                "role": "insurer",
                "kind": "legal_person",
                "name": insurer,
                "id_type": "uscc",
                "id_number": social_credit_code(insurer),
            }
        )
    claims = [
        {"head": head, "amount": f"{Decimal(rng.randrange(50_000, 3_000_000)) / 100:.2f}"}
        for head in sorted(rng.sample(HEADS, rng.randint(2, 5)))
    ]
    number = cert_no(division, accident_at.year, serial)
    return {
        "accident": {
            "cert_no": number,
            "cert_kind": "standard",
            "issued_at": issued_at.isoformat(),
            "delivered_at": delivered_at.isoformat(),
            "liability": [{"party_ref": f"P{n}", "level": lv} for n, lv in enumerate(levels, start=1)],
            "pdf": pdf(number, rng),
        },
        "parties": parties,
        "vehicles": vehicles,
        "policies": policies,
        "harm": {"deaths": 0, "injured": 1, "property_damage": True, "description": "一人受伤，两车受损"},
        "claims": claims,
    }


def pdf(title: str, rng: random.Random) -> dict[str, Any]:
    """A document by digest (the bytes stay with the platform)."""
    return {"name": f"{title}.pdf", "sha256": f"{rng.getrandbits(256):064x}", "size": rng.randint(80_000, 400_000)}
