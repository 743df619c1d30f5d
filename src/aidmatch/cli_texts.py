"""Click's own texts in Chinese (``Usage:``, ``Error: Invalid value …``, ``Aborted!``).

Click marks every text it prints with :func:`gettext.gettext` / :func:`gettext.ngettext`; the CLI
points those at :func:`translate` / :func:`translate_plural` (see ``aidmatch.cli``), so a county
clerk reads Chinese from the first ``--help`` to the last error. A text without a translation
here prints as Click wrote it. The placeholders (``{name}``) are Click's and stay as they are.

>>> translate("Usage:"), translate("Aborted!"), translate("not in the catalogue")
('用法：', '已取消。', 'not in the catalogue')
>>> translate_plural("Got unexpected extra argument ({args})",
...                  "Got unexpected extra arguments ({args})", 2)
'多余的参数（{args}）'
"""

from __future__ import annotations

CLICK_TEXTS: dict[str, str] = {
    "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
    "(dynamic)": "（动态）",
    "Aborted!": "已取消。",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 需要 {nargs} 个值。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "Commands": "命令",
    "Confirm the action without prompting.": "不再询问，直接执行。",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "Do you want to continue?": "是否继续？",
    "Error: The two entered values do not match.": "错误：两次输入的值不一致。",
    "Error: invalid input": "错误：输入无效",
    "Error: {message}": "错误：{message}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Missing argument": "缺少参数",
    "Missing command.": "缺少命令。",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing {param_type}": "缺少{param_type}",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "Option {name!r} does not take a value.": "选项 {name!r} 不带值。",
    "Options": "选项",
    "Positional arguments": "位置参数",
    "Press any key to continue...": "按任意键继续……",
    "Repeat for confirmation": "再输入一次以确认",
    "Show the version and exit.": "显示版本号后退出。",
    "Show this message and exit.": "显示本帮助后退出。",
    "Try '{command} {option}' for help.": "用「{command} {option}」查看帮助。",
    "Usage:": "用法：",
    "Value must be an iterable.": "值必须是列表。",
    "default: {default}": "默认：{default}",
    "deprecated": "已弃用",
    "directory": "文件夹",
    "env var: {var}": "环境变量：{var}",
    "file": "文件",
    "path": "路径",
    "required": "必填",
    "unknown error": "未知错误",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹，应为文件。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件，应为文件夹。",
    "{name} {filename!r} is not executable.": "{name} {filename!r} 不可执行。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 无法读取（没有权限）。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 无法写入（没有权限）。",
    "{value!r} is not a valid UUID.": "{value!r} 不是有效的 UUID。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在 {range} 范围内。",
    "integer": "整数",
    "float": "数字",
    "boolean": "是/否值",
}

# ngettext(singular, plural, n): one Chinese text for both (Chinese has no plural form).
CLICK_PLURALS: dict[str, str] = {
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Takes {nargs} values but 1 was given.": "需要 {nargs} 个值，只给了 1 个。",
    "Did you mean {possibility}?": "是不是要用 {possibility}？",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值。",
    "{value!r} is not {choice}.": "{value!r} 不是 {choice}。",
    "{value!r} does not match the format {format}.": "{value!r} 不符合格式 {format}。",
    "{len_type} values are required, but {len_value} was given.":
        "需要 {len_type} 个值，给了 {len_value} 个。",
}
CLICK_PLURALS_MANY: dict[str, str] = {
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "Takes {nargs} values but {len} were given.": "需要 {nargs} 个值，给了 {len} 个。",
    "(Did you mean one of: {possibilities}?)": "（是不是要用其中之一：{possibilities}？）",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 需要 {nargs} 个值。",
    "{value!r} is not one of {choices}.": "{value!r} 不是可选值之一：{choices}。",
    "{value!r} does not match the formats {formats}.": "{value!r} 不符合以下格式：{formats}。",
    "{len_type} values are required, but {len_value} were given.":
        "需要 {len_type} 个值，给了 {len_value} 个。",
}


def translate(message: str) -> str:
    return CLICK_TEXTS.get(message, message)


def translate_plural(singular: str, plural: str, n: int) -> str:
    if n == 1:
        return CLICK_PLURALS.get(singular, singular)
    return CLICK_PLURALS_MANY.get(plural, plural)


__all__ = ["CLICK_TEXTS", "translate", "translate_plural"]
