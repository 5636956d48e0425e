"""Japanese texts shown to trainees for each kind of refusal and failure."""

__all__ = ["REJECTED", "FAILED", "rejected_text", "failed_text"]

#: Refused uploads (they cost nothing): kind → what is wrong and what to do.
REJECTED = {
    "not a zip": "zip ファイルではありません。提出フォルダーを zip に圧縮してアップロードしてください。",
    "broken zip": "zip ファイルが壊れていて読めません。作り直してください。",
    "zip slip": "zip の中に、フォルダーの外を指すパス (../) があります。提出フォルダーの中身だけを圧縮してください。",
    "absolute path": "zip の中に絶対パス (/ で始まるパス) があります。相対パスで圧縮してください。",
    "symlink": "zip の中にシンボリックリンクがあります。ファイルそのものを入れてください。",
    "special file": "zip の中に通常のファイルでないものがあります。",
    "bad name": "zip の中のファイル名に使えない文字 (\\ など) があります。",
    "too many files": "zip の中のファイルが多すぎます。コード・重み・ノートブックだけにしてください。",
    "too large unpacked": "展開後のサイズが上限を超えています (zip 爆弾の疑い)。コード・重み・ノートブックだけにしてください。",
    "too large": "ファイルが大きすぎます。",
    "missing submission.py": "submission.py がありません。zip の一番上 (または唯一のフォルダー) に置いてください。",
    "missing": "submission.py がありません。",
    "forbidden import": "使えないモジュールを import しています。NumPy・標準ライブラリ・dlbasics だけが使えます。",
    "forbidden file": "pickle ファイルは受け付けません。重みは np.savez で保存してください。",
    "syntax": "Python ファイルに構文エラーがあります。",
    "no file": "ファイルが選ばれていません。",
    "bad form": "フォームの内容を読み取れませんでした。",
    "bad accuracy": "学習時の正解率は 0〜100 の数 (%) で入力してください。",
    "csrf": "フォームの有効期限が切れたか、不正な送信です。ページを読み込み直してからやり直してください。",
}

#: Submissions that ran and failed (they count as one of the day's three).
FAILED = {
    "timeout": "制限時間内に採点が終わりませんでした。",
    "memory": "メモリの上限を超えました。",
    "crash": "実行中にエラーが起きました。",
    "wrong shape": "predict() の出力の形が (N, 15) ではありません。",
    "wrong output": "predict() が NumPy 配列を返していません。",
    "not finite": "predict() の出力に NaN か inf があります。",
    "not probabilities": "predict() の出力が確率になっていません (各行が 0 以上で和が 1: softmax を使う)。",
    "contract": "submission.py に preprocess() と predict() の両方が必要です。",
    "forbidden import": "実行中に使えないモジュールを import しようとしました。",
    "forbidden file access": "提出フォルダーの外のファイルを開こうとしました。",
    "interrupted": "採点が何度も中断されました (サーバー側の問題です。回数には数えません)。",
    "server": "採点サーバー側の問題で採点できませんでした (回数には数えません)。",
}


def rejected_text(kind):
    return REJECTED.get(kind, "この提出は受け付けられません。")


def failed_text(kind):
    return FAILED.get(kind, "採点できませんでした。")
