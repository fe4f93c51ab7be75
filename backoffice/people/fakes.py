"""Realistic but invented personal data for demo estates and benchmarks: names, mobiles, 身份证号.

Everything comes from the `random.Random` passed in, so a seed gives the same people every time. The resident
ID numbers are valid by the rules `stdnum.cn.ric` checks (GB 11643-1999): a region code that existed in the
birth year, a real birth date, a sequence whose parity gives the sex (odd: male) and the ISO 7064 MOD 11-2
check digit. They are made up and unique within one generator; any likeness to a real number is chance.
"""

from __future__ import annotations

import datetime as dt
import random
from functools import cache

from stdnum.cn import ric

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔汤"
)
_MALE_GIVEN = (
    "伟 强 磊 军 勇 杰 涛 斌 超 明 刚 平 辉 鹏 华 飞 鑫 波 宁 俊 浩 峰 建国 建华 志强 志明 海涛 永刚 晓东 文博 "
    "国平 振华 子轩 宇航 浩然 俊杰 一鸣 天佑 嘉豪 梓睿 奕辰 明轩"
)
_FEMALE_GIVEN = (
    "芳 娜 敏 静 丽 艳 娟 霞 燕 玲 婷 雪 慧 颖 琳 晶 倩 洁 欣 悦 秀英 桂英 丽华 晓燕 雅琴 美玲 春梅 "
    "海燕 梦瑶 欣怡 诗涵 雨桐 子涵 佳怡 思琪 婉清 可馨 若汐"
)
MALE_GIVEN = tuple(_MALE_GIVEN.split())
FEMALE_GIVEN = tuple(_FEMALE_GIVEN.split())

# Where residents of a Shanghai estate were born: mostly Shanghai districts, some from other provinces.
# (code, weight); a code is only used for birth years in which stdnum's region table knows it.
BIRTH_REGIONS = (
    ("310101", 6),  # 上海 黄浦区
    ("310104", 8),  # 上海 徐汇区
    ("310105", 5),  # 上海 长宁区
    ("310106", 5),  # 上海 静安区
    ("310107", 5),  # 上海 普陀区
    ("310109", 4),  # 上海 虹口区
    ("310110", 5),  # 上海 杨浦区
    ("310112", 4),  # 上海 闵行区
    ("310115", 8),  # 上海 浦东新区
    ("320102", 2),  # 南京 玄武区
    ("320583", 2),  # 昆山市
    ("330106", 2),  # 杭州 西湖区
    ("340104", 1),  # 合肥 蜀山区
    ("370102", 1),  # 济南 历下区
    ("420106", 1),  # 武汉 武昌区
    ("510104", 1),  # 成都 锦江区
    ("110101", 1),  # 北京 东城区
    ("110105", 1),  # 北京 朝阳区
)
# Mobile prefixes of the three carriers (phonenumbers accepts all of them as CN mobiles).
_MOBILE_PREFIXES = (
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 176 177 180 181 182 183 "
    "185 186 187 188 189 191 198 199"
)
MOBILE_PREFIXES = tuple(_MOBILE_PREFIXES.split())

_RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RIC_CHECK = "10X98765432"


def ric_check_digit(first17: str) -> str:
    """The 18th character of a resident ID number from the first 17 digits (GB 11643, MOD 11-2)."""
    return _RIC_CHECK[
        sum(int(digit) * weight for digit, weight in zip(first17, _RIC_WEIGHTS, strict=True)) % 11
    ]


@cache
def _regions_valid_in(year: int) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Region codes (and weights) stdnum's table says existed in `year`."""
    codes, weights = [], []
    for code, weight in BIRTH_REGIONS:
        body = f"{code}{year:04d}0101001"
        if ric.is_valid(body + ric_check_digit(body)):
            codes.append(code)
            weights.append(weight)
    if not codes:
        raise ValueError(f"no known birth region for {year}")
    return tuple(codes), tuple(weights)


class FakeIdentities:
    """Names, and unique phones and ID numbers, from one random generator (deterministic for a seed)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self._id_numbers: set[str] = set()
        self._phones: set[str] = set()

    def surname(self) -> str:
        return self.rng.choice(SURNAMES)

    def name(self, *, male: bool, surname: str | None = None) -> str:
        given = self.rng.choice(MALE_GIVEN if male else FEMALE_GIVEN)
        return (surname or self.surname()) + given

    def mobile(self) -> str:
        """A unique mainland mobile number in E.164, as `normalize_phone` stores it (`+8613812345678`)."""
        while True:
            phone = f"+86{self.rng.choice(MOBILE_PREFIXES)}{self.rng.randrange(10**8):08d}"
            if phone not in self._phones:
                self._phones.add(phone)
                return phone

    def birth_date(self, *, age_from: int, age_to: int, today: dt.date) -> dt.date:
        start = dt.date(today.year - age_to - 1, today.month, 1)
        span = (dt.date(today.year - age_from, today.month, 1) - start).days
        return start + dt.timedelta(days=self.rng.randrange(max(span, 1)))

    def resident_id(self, *, birth_date: dt.date, male: bool) -> str:
        """A unique, valid 18-character resident ID number for that birth date and sex."""
        codes, weights = _regions_valid_in(birth_date.year)
        while True:
            region = self.rng.choices(codes, weights)[0]
            sequence = self.rng.randrange(50) * 2 + (1 if male else 0)  # odd for men, even for women
            body = f"{region}{birth_date:%Y%m%d}{self.rng.randrange(10)}{sequence:02d}"
            number = body + ric_check_digit(body)
            if number not in self._id_numbers:
                self._id_numbers.add(number)
                return number
