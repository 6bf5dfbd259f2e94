"""Pydantic validation errors as one bilingual ``InvalidInput``."""

from __future__ import annotations

from pydantic import ValidationError

from geo.errors import InvalidInput

_REASON_ZH = {
    "missing": "缺少此字段",
    "extra_forbidden": "未知字段",
    "bool_type": "应为 true 或 false",
    "int_type": "应为整数",
    "string_type": "应为文字",
    "list_type": "应为列表",
    "literal_error": "取值不在允许范围内",
    "string_too_long": "文字太长",
    "string_too_short": "不能为空",
    "too_long": "项目太多",
    "greater_than_equal": "数值太小",
    "less_than_equal": "数值太大",
    "string_pattern_mismatch": "格式不对",
    "value_error": "格式不对",
}


def describe_validation_error(error: ValidationError) -> InvalidInput:
    """One ``InvalidInput`` naming every bad property, in Chinese and English."""
    problems = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "properties"
        reason = _REASON_ZH.get(item["type"], "无效")
        if item["type"] == "value_error" and "opening_hours" in str(item.get("msg", "")):
            reason = ("开放时间看不懂，可以写成“每天6点到22点”“工作日7:00-21:00，周末关闭”“24小时”"
                      "或 OSM 格式（例如 Mo-Su 06:00-22:00）")
        problems.append({"field": field, "zh": reason, "en": item["msg"]})
    zh = "；".join(f"属性“{p['field']}”：{p['zh']}" for p in problems)
    en = "; ".join(f"property {p['field']!r}: {p['en']}" for p in problems)
    return InvalidInput(zh, en, details={"fields": problems})
