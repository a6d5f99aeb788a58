"""The safety matcher's patterns, on the crisis evaluation set and its hard negatives."""
import pytest

from tests.paths import CRISIS_MESSAGES, HARD_NEGATIVES, read_messages

MAX_FALSE_ALARM_RATE = 0.02


@pytest.mark.parametrize("message", read_messages(CRISIS_MESSAGES))
def test_crisis_message_is_caught(detector, message):
    assert detector.assess(message).is_crisis, message


def test_hard_negatives_rarely_raise_a_false_alarm(detector):
    negatives = read_messages(HARD_NEGATIVES)
    alarms = [m for m in negatives if detector.assess(m).is_crisis]
    assert len(negatives) >= 40
    assert len(alarms) / len(negatives) <= MAX_FALSE_ALARM_RATE, alarms


@pytest.mark.parametrize(
    "message",
    [
        "can you overdose on MDMA?",
        "my brother died in Iraq",
        "this traffic is killing me",
        "I'm not suicidal, I just want to know about treatment",
        "I'd kill for a coffee right now",
        "what is the suicide rate among veterans",
        "why are people with suicide risk excluded from the trials",
        # Found in content review. Word forms the lemmatizer folds together: "gone" is
        # "go", "fits" and "fitting" are "fit".
        "is it ok if i go with her to the first appointment",
        "cptsd or ptsd, which one fits prolonged abuse",
        "which therapies fit well together",
        # Phrases that only look like danger or a medical emergency.
        "mdma therapy followed by cbt",
        "can the two of us both go to the session",
        "my heart keeps pounding after a nightmare",
    ],
)
def test_factual_negated_idiomatic_and_ordinary_uses_are_not_a_crisis(detector, message):
    assert not detector.assess(message).is_crisis


@pytest.mark.parametrize("message", [
    "dead tired after the night shift",
    "you're gonna die when you hear what my cat did this morning",
])
def test_idioms_sit_in_a_safe_frame_so_the_models_crisis_guess_is_overruled(detector, message):
    assessment = detector.assess(message)
    assert not assessment.is_crisis and assessment.safe_frame == "idiom" and assessment.risk_word is None


@pytest.mark.parametrize(
    "message, category",
    [
        ("I want to kill myself", "suicide"),
        # Found in the evaluation: a safe idiom ("dead tired") must not swallow the
        # crisis phrase it overlaps, and "tired of living" needs no "being".
        ("im dead tired of living", "suicide"),
        ("i'm tired of living", "suicide"),
        ("you will find me dead when you see this", "suicide"),
        ("i dont want to be here anymore", "suicide"),
        ("everyone would be better off without me", "suicide"),
        ("I cut myself again last night", "self_harm"),
        ("my ex is outside my door with a knife", "danger"),
        ("I took a whole bottle of pills", "medical"),
        ("I'm going to hurt him", "harm_to_others"),
        # What the patterns narrowed in content review were written for: they still catch it.
        ("if i was gone nobody would care", "suicide"),
        ("wife is having a fit and wont come out of it", "medical"),
        ("she is fitting and wont stop", "medical"),
        ("a man has followed me for 3 streets", "danger"),
        ("someone is trying to break in", "danger"),
        ("my heart is racing after i took two pills", "medical"),
        ("ive been thinking about driving us both off the quarry edge", "harm_to_others"),
    ],
)
def test_each_kind_of_crisis_is_recognised(detector, message, category):
    assessment = detector.assess(message)
    assert assessment.is_crisis and assessment.category == category


def test_negation_does_not_reach_past_the_clause(detector):
    assert detector.assess("I'm not okay, I want to die").is_crisis


@pytest.mark.parametrize("message", ["no thoughts of hurting myself, just can't sleep", "no plans to kill myself"])
def test_no_negates_like_not(detector, message):
    # YAML once read the unquoted "no" in the negations as False.
    assert not detector.assess(message).is_crisis


@pytest.mark.parametrize("message", ["no point when i'll be dead by the weekend", "wife collapsed, no pulse i think"])
def test_no_that_belongs_to_the_despair_or_the_emergency_negates_nothing(detector, message):
    found = detector.assess(message)
    assert found.is_crisis or found.risk_word, message


@pytest.mark.parametrize("message", ["what's the quickest way to bleed out?", "how many of these would it take?",
                                     "what is the least painful way to go?"])
def test_asking_for_a_method_counts_even_as_a_question(detector, message):
    assert detector.assess(message).is_crisis, message


@pytest.mark.parametrize("message", ["how many sessions would it take?", "is there a quick way to end my contract?",
                                     "what is the lethal dose of mdma in the studies?"])
def test_questions_about_amounts_and_ways_that_seek_no_method_are_left_alone(detector, message):
    assert not detector.assess(message).is_crisis, message


@pytest.mark.parametrize("message", [
    "During my worst depression in 2015 I used to think about ending it. Haven't had those thoughts in years.",
    "I spent my teen years wanting to die. I'm 45 now and I love my life.",
])
def test_a_life_period_long_past_is_the_past(detector, message):
    assert not detector.assess(message).is_crisis, message


def test_a_patterns_file_with_a_boolean_for_a_word_is_refused(detector):
    from bot.safety.detector import CrisisDetector
    with pytest.raises(ValueError, match="quote"):
        CrisisDetector(detector.nlp, {"negations": ["not", False], "crisis": {}, "safe_frames": {}})


def test_capitals_and_curly_quotes_do_not_hide_a_crisis(detector):
    assert detector.assess("I DON\u2019T WANT TO LIVE ANYMORE").is_crisis


@pytest.mark.parametrize("message", ["quiero morir", "ya no puedo más, me quiero matar", "je veux mourir", "ich will sterben"])
def test_common_crisis_phrases_in_other_languages_are_caught(detector, message):
    assert detector.assess(message).is_crisis


@pytest.mark.parametrize("message", ["je veux me renseigner sur le TSPT", "quero me inscrever no estudo"])
def test_ordinary_questions_in_other_languages_are_not_a_crisis(detector, message):
    assert not detector.assess(message).is_crisis


def test_a_plain_risk_word_is_reported_but_is_not_a_crisis_alone(detector):
    assessment = detector.assess("the pills make me dizzy")
    assert not assessment.is_crisis and assessment.risk_word is not None


def test_risk_words_in_a_distant_past_sentence_do_not_count(detector):
    assessment = detector.assess("back in 2012 i ended up in the er after swallowing pills. i'm doing well now")
    assert not assessment.is_crisis and assessment.risk_word is None


@pytest.mark.parametrize("message", [
    # A story about the past goes on across "and" and commas ...
    "years ago, i swallowed a bottle of pills and ended up in the icu",
    "when i was 19 i was in a bad way and planned to end it, therapy got me through",
    # ... someone else telling of their own past ideation ...
    "a woman in my group shared that she tried to kill herself twice before she got help",
    # ... and looking back on a moment in therapy that is over.
    "in the last session i relived the day i wanted to die, and it felt like closure",
])
def test_crisis_phrases_in_a_story_of_the_past_are_left_to_the_classifier(detector, message):
    assessment = detector.assess(message)
    assert not assessment.is_crisis and assessment.safe_frame, message


@pytest.mark.parametrize("message", [
    # The past story is carried into now ...
    "as a teenager i cut myself and i still do",
    "years ago i overdosed, and i want to do it again",
    # ... a clause after a full stop or "but" is a new statement ...
    "back then i tried to end it. i want to end it tonight",
    "years ago i was doing fine but i want to kill myself",
    # ... someone else's threat or emergency is not their past ideation ...
    "he hit me in 2019 and he's going to hurt me again tonight",
    "my friend said she took 30 pills and she won't wake up",
    # ... and "my friend ... wants to die" is not "my friend died".
    "my friend and i both want to die",
])
def test_a_past_frame_does_not_reach_what_speaks_of_now(detector, message):
    assert detector.assess(message).is_crisis, message


@pytest.mark.parametrize("message", ["i can't stop thinking about suicide", "can't shake the thought of killing myself",
                                     "i can't resist the urge to cut anymore"])
def test_a_negation_that_is_the_compulsion_negates_nothing(detector, message):
    assert detector.assess(message).is_crisis, message


@pytest.mark.parametrize("message", ["wanna die lol", "another day of wishing i was dead 🙂", "i won't be alive by christmas",
                                     "i wish he'd just killed me", "should have died over there with my guys",
                                     "honestly done with living"])
def test_elliptic_and_negated_forms_of_ideation_are_caught(detector, message):
    assert detector.assess(message).is_crisis, message


@pytest.mark.parametrize("message", ["after leg day i'll be dead lol", "my mum is going to murder me when she sees this lol",
                                     "i don't want to die, i want to live better"])
def test_idioms_and_denials_stay_safe_beside_the_new_forms(detector, message):
    assert not detector.assess(message).is_crisis, message
