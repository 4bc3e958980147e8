"""The studio lifecycle: 年度考核 rounds and yearly reports, 复核 every N years, 摘牌 and 恢复."""
