"""The default RSVP coaching questions, as data.

A data migration copies them into `rsvp.CoachingQuestion`, where an admin can
reword them; scoring reads the stored text and falls back to these defaults.
Rules in `coaching.rsvp.rules` point at questions by `key`: when a rule finds a
gap, its question is the next thing a manager should ask the rep.
"""

from __future__ import annotations

from dataclasses import dataclass

DIMENSIONS: tuple[str, ...] = ("relationships", "strategy", "value", "process")


@dataclass(frozen=True, slots=True)
class QuestionText:
    dimension: str
    text: str
    action: str
    # An admin can retire a question: it leaves the answers form and its ANSWER rule stops counting.
    active: bool = True


@dataclass(frozen=True, slots=True)
class DefaultQuestion:
    key: str
    dimension: str
    text: str
    action: str


DEFAULT_QUESTIONS: tuple[DefaultQuestion, ...] = (
    # Relationships: are we close to the people who can say yes?
    DefaultQuestion(
        "rel_economic_buyer",
        "relationships",
        "Who controls the money for this purchase, and when did you last talk with them yourself?",
        "Ask your champion to set up a short meeting with the economic buyer about the business "
        "outcome they need, not about our product.",
    ),
    DefaultQuestion(
        "rel_champion",
        "relationships",
        "Who inside the account argues for us when we are not in the room, and what have they "
        "done for us lately?",
        "Test your champion: ask for something only an insider can give, such as an introduction, "
        "the evaluation criteria or the draft budget.",
    ),
    DefaultQuestion(
        "rel_multithreaded",
        "relationships",
        "If your main contact left tomorrow, who else would keep this deal moving?",
        "Meet at least two more people on the buying team in the next few weeks and log the meetings.",
    ),
    DefaultQuestion(
        "rel_senior_level",
        "relationships",
        "Are you talking to people who can say yes, or only to people who can say no?",
        "Bring one of our executives to meet a VP or C-level sponsor and talk about outcomes and risk.",
    ),
    DefaultQuestion(
        "rel_integrity",
        "relationships",
        "Do our contacts give us real insight, influence and inside information, and do they do "
        "what they say they will?",
        "List what each key contact promised in the last month and whether they delivered it.",
    ),
    DefaultQuestion(
        "rel_competitor_map",
        "relationships",
        "Who do our competitors know in this account, and how strong are those ties?",
        "Record the competitors on the deal and mark every stakeholder who leans their way.",
    ),
    # Strategy: is there a plan for the people, the blockers and the competition?
    DefaultQuestion(
        "strat_people_plan",
        "strategy",
        "What is your plan for each person who matters: who do you need to move, and how?",
        "Write one next step with a date for every stakeholder with high influence.",
    ),
    DefaultQuestion(
        "strat_blockers",
        "strategy",
        "Who could stop this deal, and how will you keep them from blocking it?",
        "Name each blocker's concern and line up an ally of equal or greater influence to answer it.",
    ),
    DefaultQuestion(
        "strat_do_nothing",
        "strategy",
        "Why would they change now instead of living with what they have today?",
        "Add 'do nothing' as a competitor and write the case for acting now in the customer's terms.",
    ),
    DefaultQuestion(
        "strat_competitive",
        "strategy",
        "Which strategy are we running here (direct, indirect, divisional or containment) and "
        "why will it win?",
        "Pick the strategy on the deal and write down the advantage the customer agrees we have.",
    ),
    DefaultQuestion(
        "strat_rivals",
        "strategy",
        "Who else is the customer talking to, and why might they pick them over us?",
        "Name every competitor on the deal, do nothing included, and what each one offers this buyer.",
    ),
    DefaultQuestion(
        "strat_influencers",
        "strategy",
        "Are consultants, partners or other outsiders shaping this decision, and whose side are they on?",
        "Find out who advises the buyer from outside and plan a conversation with each of them.",
    ),
    # Value: defined by the customer, in numbers, with a reason to act now.
    DefaultQuestion(
        "value_customer_defined",
        "value",
        "How does the customer describe the value in their own words, and who said it?",
        "Write the customer's own statement of value on the deal, with who said it and when.",
    ),
    DefaultQuestion(
        "value_quantified",
        "value",
        "What is the result worth to them in numbers: money, hours, risk avoided?",
        "Work the figure out with the customer and put the number in the business value.",
    ),
    DefaultQuestion(
        "value_business_case",
        "value",
        "Is there a business case the economic buyer owns, and are we written into it?",
        "Offer to help build the business case with the buyer and their finance team.",
    ),
    DefaultQuestion(
        "value_compelling_event",
        "value",
        "Why this year and not next? What happens, and to whom, if the date slips?",
        "Ask the sponsor what the missed date would cost them and record the event and its consequence.",
    ),
    DefaultQuestion(
        "value_success_criteria",
        "value",
        "How will the customer measure success once they are live?",
        "Agree two or three measurable success criteria with the customer and write them on the deal.",
    ),
    DefaultQuestion(
        "value_unique",
        "value",
        "What can we do for them that nobody else can, and would the customer say the same?",
        "Ask the champion which of our strengths matters most to the buyer, and lead with it.",
    ),
    # Process: how they evaluate, select, approve and buy, and the customer's own timeline.
    DefaultQuestion(
        "proc_evaluation",
        "process",
        "How will they evaluate and choose: which criteria, who scores, and by when?",
        "Get the evaluation criteria and the decision date in writing from the customer.",
    ),
    DefaultQuestion(
        "proc_approval",
        "process",
        "Once they pick a vendor, who has to approve the spend, and what will they want to see?",
        "Map every approval step (finance, board, CEO) into the close plan with an owner.",
    ),
    DefaultQuestion(
        "proc_procurement",
        "process",
        "What happens between a yes and a signed order: procurement, legal, security review?",
        "Meet procurement and legal early and add their steps and durations to the close plan.",
    ),
    DefaultQuestion(
        "proc_budget",
        "process",
        "Is the money set aside for this, how much, and who controls it?",
        "Confirm the budget amount and its owner with the economic buyer.",
    ),
    DefaultQuestion(
        "proc_go_live",
        "process",
        "What date do they need to be live by, and is that their date or ours?",
        "Ask the customer for their go-live date and build the close plan backward from it.",
    ),
    DefaultQuestion(
        "proc_close_plan",
        "process",
        "What date must the customer be live by, and what has to happen on their side before then?",
        "Sit down with the senior buyer and build the close plan backward from their go-live date: "
        "evaluation, approvals, procurement, legal, signing.",
    ),
    DefaultQuestion(
        "proc_plan_on_track",
        "process",
        "Which step of the close plan is behind, and what does the customer need to get it back on track?",
        "Walk the late steps with the buyer and agree new dates with them, or a new go-live date.",
    ),
    DefaultQuestion(
        "proc_plan_validated",
        "process",
        "Has someone who can sign walked through the close plan with you and agreed to its dates?",
        "Share the close plan link with the economic buyer or decision maker and ask them to confirm "
        "or correct it.",
    ),
    DefaultQuestion(
        "proc_close_date",
        "process",
        "Does the expected close date come from the customer's timeline or from our quarter?",
        "Set the expected close date from the close plan's signing window, not from the forecast.",
    ),
    DefaultQuestion(
        "proc_reference_timing",
        "process",
        "Has the buyer said they will go ahead with us if the reference checks come back well?",
        "Before arranging references, ask the buyer to commit to moving forward if they check out.",
    ),
)

DEFAULT_QUESTIONS_BY_KEY: dict[str, DefaultQuestion] = {q.key: q for q in DEFAULT_QUESTIONS}


def default_question_texts() -> dict[str, QuestionText]:
    return {q.key: QuestionText(q.dimension, q.text, q.action) for q in DEFAULT_QUESTIONS}
