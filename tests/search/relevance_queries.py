"""Relevance cases over tests/search/relevance_data.py: what a user types, and the record they want.

Each case is (query, expected key, note) or (query, expected key, note, extra parameters). Only what
DESIGN.md promises is tested: words and phrases, any 2+ character substring, mixed tokens in any case or
width, person names, patent numbers in any input form, filters; and (issue 13) traditional characters,
pinyin and initials, partial patent numbers. Synonyms are not promised and not tested.
"""

from __future__ import annotations

from typing import NamedTuple


class Case(NamedTuple):
    kind: str
    query: str
    expected: str
    note: str
    params: tuple[tuple[str, str], ...] = ()  # extra query-string parameters, e.g. (("type", "studio"),)


# Words as they stand in a title.
TITLE_WORDS = [
    ("布料矩阵", "a:高炉布料", "one of eight 高炉 records"),
    ("热风炉燃烧器", "a:热风炉", ""),
    ("汽化冷却", "a:加热炉", ""),
    ("有载调压开关", "a:有载调压", "one of four records with 变压器 in the title"),
    ("油色谱", "a:油色谱", "p:油样 mentions 油色谱 in its abstract only"),
    ("继电保护定值核对", "a:继保定值", ""),
    ("焊接变形", "a:焊接变形", ""),
    ("主轴振动", "a:主轴振动", ""),
    ("机械密封", "a:机械密封", "the 化工 studio's intro also names it"),
    ("精馏塔开停车", "a:精馏开车", ""),
    ("大体积混凝土", "a:大体积混凝土", ""),
    ("玉米收获机", "a:剥皮辊", ""),
    ("粘冲", "a:粘冲", ""),
    ("泡罩包装机", "a:泡罩", "a:包装封口 has 包装机 too"),
    ("电导率波动", "a:纯化水", ""),
    ("动力电池温差", "a:电池温差", "a:电池均衡仪 and p:均衡仪 have 动力电池"),
    ("车门故障诊断仪", "a:车门", ""),
    ("节能驾驶", "a:节能驾驶", ""),
    ("浮选药剂", "a:浮选药剂", ""),
    ("橡胶衬板", "a:橡胶衬板", "a:衬板更换 has 衬板 too"),
    ("小米碾制", "a:小米碾制", ""),
    ("杂粮清选", "a:杂粮清选", ""),
    ("定型机余热回收", "a:定型机", ""),
    ("钢筋直螺纹", "a:直螺纹", "a:钢筋定位卡 and p:卡具 have 钢筋"),
    ("驱鸟器", "p:驱鸟", "a:鸟害 has it in its summary"),
    ("取油样", "p:油样", ""),
    ("布料溜槽", "p:溜槽", ""),
    ("开口机钻杆", "p:开口机", ""),
    ("工具车", "p:工具车", "a design patent whose whole title is the word"),
    ("杂粮包装盒", "p:包装盒", ""),
    # a word in one title and in several summaries
    ("红外", "p:喷雾", "in five other records' summaries"),
    ("蒸汽", "a:DN150疏水", "in three other records' summaries"),
    ("冷却水", "a:导卫", "in five other records' summaries"),
    ("堆焊", "a:旋耕刀", "in two other records' summaries"),
]

# Part of a title pasted or typed as one run of characters.
PHRASES = [
    ("高炉风口频繁烧损", "a:风口烧损", ""),
    ("配电变压器快速更换", "a:配变更换", ""),
    ("低压台区线损", "a:台区线损", ""),
    ("深松整地机", "a:北斗深松", ""),
    ("直流充电桩", "a:充电桩", ""),
]

# Words of a studio's name.
STUDIO_NAMES = [
    ("选矿创新工作室", "s:矿业", "选矿 also in a:浮选药剂's summary"),
    ("变电检修", "s:变电", ""),
    ("羊绒纺织", "s:纺织", "羊绒 in several 纺织 records"),
    ("BIM技术创新工作室", "s:建筑", "mixed token in a studio name; a:BIM管线 competes"),
]

# Real terms inside a title that jieba's search mode does not emit as a token (its cut in the note):
# only the character-bigram field finds them.
SUBSTRINGS = [
    ("除鳞", "a:高压除鳞", "jieba: 高压/水除/鳞"),
    ("换辊", "a:快速换辊", "jieba: 换/辊"),
    ("扒渣", "a:铁水罐扒渣", "jieba: 铁/水罐/自动/扒/渣"),
    ("剥皮辊", "a:剥皮辊", "jieba: 剥皮/辊"),
    ("剑杆", "a:断纬检测", "jieba: 剑/织机/杆织机"),
    ("叠合板", "a:叠合板", "jieba: 叠合/板"),
    ("热氟", "a:冷库除霜", "jieba: 冷机/组热/氟"),
    ("拨钢", "a:冷床", "jieba keeps 拨钢机 whole"),
]

# Technical terms that stand only in a summary.
SUMMARY_WORDS = [
    ("苞叶", "a:剥皮辊", ""),
    ("水梁黑印", "a:加热炉", ""),
    ("镀铬", "a:粘冲", ""),
    ("胺液", "a:尾气CO2", ""),
    ("钢丝圈", "a:细纱断头", ""),
    ("骨架油封", "a:轴承座", "p:轴承座 has 油封 in its abstract"),
    ("三比值法", "a:油色谱", ""),
    ("溢流型球磨机", "a:橡胶衬板", ""),
]

# Mixed tokens typed in another case or width than the record holds.
MIXED_TOKENS = [
    ("ＰＬＣ 喷煤", "a:喷煤", "full-width query, half-width record"),
    ("机床plc", "a:机床PLC", "lower case typed; the title holds full-width ＰＬＣ"),
    ("PLC 提升机", "a:提升机", "four titles hold PLC"),
    ("10KV带电接引线", "a:带电接引", "the title holds full-width １０ｋＶ"),
    ("１０ｋＶ柱上开关", "a:柱上开关", "full-width query, half-width record"),
    ("10kv 鸟害", "a:鸟害", ""),
    ("dn150", "a:DN150疏水", ""),
    ("φ600", "a:导卫", "lower-case phi; p:导卫 has Φ600 in its abstract only"),
    ("h型钢", "a:H型钢", ""),
    ("agv", "a:AGV", ""),
    ("co2回收", "a:尾气CO2", "a:焊接变形 has CO2 in its summary"),
    ("5g 巡检", "a:巡检机器人", "a:柱上开关 has 5G in its summary"),
    ("sf6", "a:GIS", ""),
    ("bim管线", "a:BIM管线", ""),
    ("CK6150", "a:数控夹具", "a machine model in a summary"),
    ("S7-1500", "a:喷煤", "a PLC model with a hyphen, in a summary"),
]

# A completer's name finds their achievement.
COMPLETERS = [
    ("尚庆丰", "a:高压除鳞", ""),
    ("甘喜军", "a:塔吊", ""),
    ("房思远", "a:纯化水", ""),
    ("耿双喜", "a:冷库除霜", ""),
    ("牛占军", "a:定型机", "shares 占军 with 鲍占军, the 化工 leader on seven records"),
    ("司马俊杰", "a:充电桩", "compound surname"),
    ("巴图孟和", "a:撕裂检测", "Mongolian name"),
    ("史磊", "a:AGV", "two-character name"),
]

# An inventor's name finds the patent.
INVENTORS = [
    ("岳树林", "p:油样", ""),
    ("柏艳华", "p:工具车", ""),
    ("车兆丰", "p:打结器检测台", "the surname 车 is also a common word"),
    ("庄继东", "p:撕裂", ""),
    ("温晓燕", "p:包装盒", ""),
]

# A leader's name finds the studio (searching studios). None of these studios is named after its leader,
# and each leader also completes achievements.
LEADERS = [
    ("孙殿武", "s:炼铁", "also completer of four achievements, one with his name in the title"),
    ("佟卫东", "s:配网", ""),
    ("隋海涛", "s:机械", ""),
    ("宫国栋", "s:建筑", ""),
    ("齐慧敏", "s:医药", ""),
    ("包成林", "s:矿业", ""),
    ("崔丽萍", "s:纺织", ""),
]
STUDIO_FILTER = (("type", "studio"),)

# A patent number in the forms people type; the patent must come first.
PATENT_NUMBERS = [
    ("ZL202020512345.6", "p:风口小车", "as shown"),
    ("ZL00213456.X", "p:泥炮", "8-digit number from before 2003"),
    ("202210367402.X", "p:撕裂", "without ZL; check character X"),
    ("202120286455.x", "p:均衡仪", "without ZL; lower-case x"),
    ("2022103674034", "p:羊绒", "without ZL and dot; p:撕裂 is the number before"),
    ("ZL2024103005621", "p:齿圈", "without dot"),
    ("202020512346", "p:开口机", "without check character; p:风口小车 is the number before"),
    ("ZL202310208817", "p:炉缸", "ZL without check character"),
    ("ZL 2021 2 0234567.0", "p:绝缘遮蔽", "spaced as on the certificate"),
    ("ZL 202020377051.7", "p:油样", "space after ZL"),
    ("zl202220844519.8", "p:胶球", "lower-case zl"),
    ("ＺＬ２０２２２０３０１１７６.０", "p:排种器", "typed with the input method in full-width mode"),
]

# Two words separated by a space; each matches other records alone, only the expected one has both.
MULTI_WORD = [
    ("高炉 布料", "a:高炉布料", "p:溜槽 has 布料 in the title and 高炉 in the abstract"),
    ("变压器 检修", "a:有载调压", ""),
    ("液压 夹具", "p:夹具", "a:数控夹具 has 液压 in its summary only"),
    ("机器视觉 扒渣", "a:铁水罐扒渣", ""),
    ("塔吊 北斗", "a:塔吊", "both words in the summary; a:北斗深松 has 北斗 in its title"),
    ("混凝土 温差", "a:大体积混凝土", ""),
    ("羊绒 断头", "a:羊绒混纺", "a:细纱断头 has 断头 in its title"),
    ("压片机 调试", "a:压片调试", ""),
    ("轴承座　漏油", "a:轴承座", "typed with a full-width space; p:轴承座 has only 轴承座"),
    ("风口 监测", "a:风口烧损", "a:炉缸监测 has 监测 in its title"),
    ("包装 检测装置", "a:包装封口", "a:泡罩 has 包装机 and 检测"),
]

# A common word narrowed by filters; the expected record is one of many matches without them.
FILTERED = [
    ("变压器", "a:油温", "", (("industry", "电力"), ("category", "技术攻关"))),
    ("高炉", "a:炉前操作法", "", (("category", "先进操作法"),)),
    ("高炉", "a:炉缸监测", "", (("year_from", "2024"),)),
    ("操作法", "a:精馏开车", "one of thirteen records with 操作法 in the title", (("industry", "化工"),)),
    ("工作室", "s:配网", "", (("type", "studio"), ("level", "国家级"), ("industry", "电力"))),
    ("检测装置", "a:断纬检测", "", (("category", "发明创造"), ("year_from", "2023"), ("year_to", "2023"))),
    ("PLC", "a:提升机", "", (("industry", "矿业"),)),
    ("合格率", "a:粘冲", "合格率 is in eleven summaries", (("industry", "医药"), ("category", "技术攻关"))),
    ("装置", "p:测温", "", (("type", "patent"), ("year_from", "2024"))),
    ("工作室", "s:纺织", "", (("district", "凌源市"),)),
]


# Questions typed as sentences: question words, particles and punctuation are not what a record holds.
QUESTIONS = [
    ("如何快速修补沥青路面的坑槽", "a:坑槽", "the whole question was one term: 0 results"),
    ("怎样防止皮带输送机跑偏？", "a:跑偏", "防止 only in the summary"),
    ("有没有关于高炉炉缸的专利", "p:炉缸", "专利 reads as the type: a:炉缸监测 has the same words"),
    ("钢包透气砖怎么快速更换", "a:透气砖操作法", "a:透气砖寿命 has 钢包透气砖 too"),
]

# No record holds every word: the records holding the most of them, first.
PARTIAL = [
    ("高炉布料矩阵 智能优化算法", "a:高炉布料", "nothing holds 算法"),
    ("塔式起重机防碰撞 激光雷达", "a:塔吊", "激光 and 雷达 only in other records"),
    ("细纱断头 紧密纺 毛羽", "a:羊绒混纺", "holds two of three; p:羊绒 紧密纺 and 毛羽, a:细纱断头 one"),
]

# A category, level, kind or type word standing in the query: a filter when the rest finds records under it.
FILTER_WORDS = [
    ("先进操作法 透气砖", "a:透气砖操作法", "a:透气砖寿命 is 技术攻关"),
    ("专利 风口", "p:风口小车", "a:风口小车 and a:风口烧损 are achievements"),
]

# The words of a title in another order, or a compound whose parts stand apart in a record.
WORD_ORDER = [
    ("机器人焊接", "a:焊缝跟踪", "jieba cuts 机器/人/焊接 here, 焊接机器人 in the title; a:焊接变形 has 机器人焊接"),
    ("节能降耗", "a:空压机", "节能 in the title, 降耗 in the summary; a:节能驾驶 only 节能"),
]

# The words each of these cases' records holds (test_relevance_cases_match_their_records checks them).
WORDS_HELD = {
    "如何快速修补沥青路面的坑槽": ("快速", "修补", "沥青路面", "坑槽"),
    "怎样防止皮带输送机跑偏？": ("防止", "皮带输送机", "跑偏"),
    "有没有关于高炉炉缸的专利": ("高炉炉缸",),
    "钢包透气砖怎么快速更换": ("钢包", "透气砖", "快速更换"),
    "高炉布料矩阵 智能优化算法": ("高炉", "布料矩阵", "优化"),
    "塔式起重机防碰撞 激光雷达": ("塔式起重机防碰撞",),
    "细纱断头 紧密纺 毛羽": ("细纱断头", "紧密纺"),
    "先进操作法 透气砖": ("透气砖",),
    "专利 风口": ("风口",),
    "机器人焊接": ("机器人", "焊接"),
    "节能降耗": ("节能", "降耗"),
}
# What the filter word names, for FILTER_WORDS: (the record's field as _texts gives it, its value).
FILTER_WORD_FIELDS = {"先进操作法 透气砖": ("category", "先进操作法"), "专利 风口": ("type", "patent")}

# Traditional characters, as typed on a traditional-character input method or pasted (OpenCC's t2s).
TRADITIONAL = [
    ("高爐爐頂布料", "a:高炉布料", ""),
    ("變電站智能巡檢", "a:巡检机器人", ""),
    ("變壓器油色譜", "a:油色谱", ""),
    ("熱風爐燃燒器", "a:热风炉", ""),
    ("線路鳥害", "a:鸟害", ""),
    ("機器視覺 撕裂", "p:撕裂", "two words"),
    ("羊絨紡織", "s:纺织", "a studio's name"),
    ("尚慶豐", "a:高压除鳞", "a completer's name"),
]

# Full pinyin, tone-less, of words of a title, a studio's name or a person's name (pinyin.py).
PINYIN = [
    ("gaolu", "a:喷煤", "one of eight records with 高炉 in the title"),
    ("jiqishijue", "p:撕裂", ""),
    ("zhiliuchongdianzhuang", "a:充电桩", "three words in a row"),
    ("lvsupaozhao", "a:泡罩", "ü typed as v"),
    ("GaoLu 布料", "a:高炉布料", "pinyin beside a Chinese word; p:溜槽 has 布料 and 高炉 in its abstract"),
    ("biandianjianxiu", "s:变电", "a studio's name"),
    ("yangrongfangzhi", "s:纺织", "a studio's name"),
    ("shangqingfeng", "a:高压除鳞", "a completer"),
    ("batumenghe", "a:撕裂检测", "a Mongolian name"),
]

# Initials of words in a row (拼音首字母).
INITIALS = [
    ("glfk", "a:风口烧损", "a:风口小车 and p:风口小车 have 高炉风口 too"),
    ("zlcdz", "a:充电桩", ""),
    ("pdbyq", "a:配变更换", ""),
    ("byqysp", "a:油色谱", ""),
    ("jqsj", "p:撕裂", ""),
    ("lspz", "a:泡罩", ""),
    ("bdjx", "s:变电", "a studio's name"),
    ("sqf", "a:高压除鳞", "a completer's initials"),
]

# 6+ consecutive digits of an application number, with or without CN/ZL; the patent must come first.
PARTIAL_NUMBERS = [
    ("0512345", "p:风口小车", "p:开口机's number ends 0512346.0"),
    ("10367402", "p:撕裂", "8 digits, shaped like a number from before 2003; p:羊绒 is …10367403"),
    ("CN2022205620", "p:胶囊称重", "CN and 10 digits"),
    ("ZL2024104177", "p:含盐废水", "ZL and 10 digits"),
    ("920906113", "p:验电接地", "from the middle"),
    ("213456", "p:泥炮", "6 digits of an 8-digit number (ZL00213456.X)"),
]


def _cases(kind: str, rows, params: tuple = ()) -> list[Case]:
    out = []
    for row in rows:
        query, expected, note, *extra = row
        out.append(Case(kind, query, expected, note, extra[0] if extra else params))
    return out


CASES: list[Case] = [
    *_cases("title word", TITLE_WORDS),
    *_cases("phrase", PHRASES),
    *_cases("studio name", STUDIO_NAMES),
    *_cases("substring", SUBSTRINGS),
    *_cases("summary word", SUMMARY_WORDS),
    *_cases("mixed token", MIXED_TOKENS),
    *_cases("completer", COMPLETERS),
    *_cases("inventor", INVENTORS),
    *_cases("leader", LEADERS, STUDIO_FILTER),
    *_cases("patent number", PATENT_NUMBERS),
    *_cases("multi-word", MULTI_WORD),
    *_cases("filtered", FILTERED),
    *_cases("question", QUESTIONS),
    *_cases("partial", PARTIAL),
    *_cases("filter word", FILTER_WORDS),
    *_cases("word order", WORD_ORDER),
    *_cases("traditional", TRADITIONAL),
    *_cases("pinyin", PINYIN),
    *_cases("initials", INITIALS),
    *_cases("partial number", PARTIAL_NUMBERS),
]

# (query, key with the word in its title, key with the word only in its summary/abstract):
# the first must rank above the second.
TITLE_OUTRANKS_SUMMARY = [
    ("CO2", "a:尾气CO2", "a:焊接变形"),
    ("细纱断头", "a:细纱断头", "a:羊绒混纺"),
    ("变压器", "a:油色谱", "a:巡检机器人"),
    ("5G", "a:巡检机器人", "a:柱上开关"),
    ("机器视觉", "p:撕裂", "a:铁水罐扒渣"),
    ("液压缸", "a:液压缸珩磨", "a:铁水罐扒渣"),
    ("北斗", "a:北斗深松", "a:塔吊"),
    ("换热器", "a:换热器清洗", "a:纯化水"),
    ("驱鸟器", "p:驱鸟", "a:鸟害"),
    ("Φ600", "a:导卫", "p:导卫"),
    ("红外", "p:喷雾", "a:GIS"),
    ("蒸汽", "a:DN150疏水", "a:加热炉"),
    ("冷却水", "a:导卫", "a:轴承座"),
    ("堆焊", "a:旋耕刀", "a:导卫"),
]
