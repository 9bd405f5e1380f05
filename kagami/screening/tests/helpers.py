from kagami.screening import Author, Comment, Facts, Result, screen

FACTS = Facts.from_mapping(
    {
        "accounts": {
            "official_handles": ["@kagamino_town", "kagamino_kanko"],
            "official_names": ["鏡野町【公式】", "鏡野町観光協会×鏡野町"],
        },
        "moderation": {"staff_names": ["中村"]},
    }
)

CONFIG_TOML = """\
[municipality]
name = "鏡野町"
official_domains = ["town.kagamino.lg.jp"]

[accounts]
official_handles = ["@kagamino_town", "kagamino_kanko"]
official_names = ["鏡野町【公式】", "鏡野町観光協会×鏡野町"]

[moderation]
staff_names = ["中村"]
"""


def one(text: str, handle: str = "@resident", name: str = "住民") -> Result:
    return screen([Comment("c", text, Author(handle, name))], FACTS)[0]


def cats(result: Result) -> set[str]:
    return {c.category for c in result.categories}
