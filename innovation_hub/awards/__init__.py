"""Award rounds (评选): nominations, judging, ranking, 公示 and results.

Each module is named for what it changes or shows:

  models.py            the tables: rounds, criteria, nominations, judges, assignments, scores, objections, votes,
                       ballot codes, result snapshots, certificates
  services.py          a round's settings and criteria; AwardError and the guards every award service uses
  lifecycle.py         the state machine: one table of transitions, each with its checks and effects
  nominating.py        推荐申报 and 资格审核: a studio nominates and withdraws, the office qualifies; eligibility
  assignment.py        judges, which judge scores which entry (balanced, editable), conflicts (回避) declared or set
  conflicts.py         when a judge must not see an entry (reads)
  judge_scores.py      a judge's scores: drafts, submitting (which locks), an administrator's reopening
  scoring.py           pure rules: Σ weight × points, (trimmed) means, normalisation, the vote, ties, the quota
  queries.py           reads: judges' lists and progress, the live ranking, the score sheet, votes, bursts
  snapshot.py          the frozen result at 公示 and 表彰, with the certificates' serials
  exports.py           the score sheet and the ranking as xlsx (the site's downloads and `flask award-export`)
  objections_votes.py  what the public files: objections (异议) during 公示, open-mode votes, per-address limits
  ballots.py           ballot codes (投票码): batches issued, voided and revealed; a ballot cast
  captcha.py           the open vote's offline arithmetic captcha
  voter.py             the open vote's browser token (a signed cookie)
  publication.py       what the public pages show of a round (reads): visibility, vote schedule, 公示 list, JSON
  blind.py             匿名评审 view-models: an entry as a blind reader sees it, with no studio fields at all
  proof_files.py       the proof files a judge may open (a rule registered with submissions, which imports no awards)
  certificates.py      printable certificates and their public check

  views/               register(app) adds every award blueprint; service_call.run_service is how each view calls
                       its service. 评选管理 (/admin/awards): admin_site.py (the blueprint and shared helpers) and one
                       module per page: admin_rounds, admin_criteria, admin_nominations, admin_judges,
                       admin_assignments, admin_progress, admin_results, admin_objections, admin_ballots.
                       judge.py (/judge), studio.py (/studio/awards), public.py (/awards and /api/v1/awards)
  forms/               admin.py, judge.py (also the studio's buttons), public.py: the forms of those pages
"""
