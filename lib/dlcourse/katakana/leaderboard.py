"""The katakana leaderboard: best score per student, as CSV and HTML."""

import csv
import html
from pathlib import Path

from dlcourse.katakana.ledger import DAILY_LIMIT, Ledger

__all__ = ["write_leaderboard"]


def write_leaderboard(ledger=None, out_dir=None):
    """Write leaderboard.csv and leaderboard.html: best score per student.

    Columns: rank, student, best accuracy, its cross-entropy, date of the best score,
    number of scored submissions. Returns (csv_path, html_path, rows).
    """
    ledger = ledger or Ledger()
    out_dir = Path(out_dir or ledger.path.parent)
    out_dir.mkdir(parents=True, exist_ok=True)
    best = {}
    counts = {}
    for row in ledger.attempts():
        if row["status"] != "scored":
            continue
        counts[row["student"]] = counts.get(row["student"], 0) + 1
        key = (row["accuracy"], -row["cross_entropy"])
        if row["student"] not in best or key > best[row["student"]][0]:
            best[row["student"]] = (key, row)
    ordered = sorted(best.values(), key=lambda item: item[0], reverse=True)
    rows = [{"rank": rank, "student": row["student"], "accuracy": round(row["accuracy"], 6),
             "cross_entropy": round(row["cross_entropy"], 6), "date": row["started_at"][:10],
             "submissions": counts[row["student"]]}
            for rank, (_, row) in enumerate(ordered, start=1)]
    csv_path = out_dir / "leaderboard.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["rank", "student", "accuracy",
                                                    "cross_entropy", "date", "submissions"])
        writer.writeheader()
        writer.writerows(rows)
    body = "\n".join(
        f"<tr><td>{r['rank']}</td><td>{html.escape(r['student'])}</td>"
        f"<td>{r['accuracy']:.2%}</td><td>{r['cross_entropy']:.4f}</td>"
        f"<td>{r['date']}</td><td>{r['submissions']}</td></tr>" for r in rows)
    html_path = out_dir / "leaderboard.html"
    html_path.write_text(f"""<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><title>カタカナ認識 リーダーボード</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #999;padding:4px 10px;text-align:right}}</style></head>
<body><h1>カタカナ認識 リーダーボード</h1>
<p>隠しテストセット (14,500 枚) での最高正解率。1 日 {DAILY_LIMIT} 回まで採点できます。</p>
<table><thead><tr><th>順位</th><th>学籍番号</th><th>正解率</th><th>交差エントロピー</th>
<th>日付 (UTC)</th><th>採点回数</th></tr></thead>
<tbody>
{body}
</tbody></table></body></html>
""", encoding="utf-8")
    return csv_path, html_path, rows
