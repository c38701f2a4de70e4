"""Every command of the ledger, one class per use case, grouped by what it changes. A command's fields are its
input (validated when it is built); its `handle` checks the rules and records the events; `Ledger.handle` runs it."""

from ledger.commands.activities import (
    CancelActivity,
    CoCreateEducationOffer,
    HoldActivity,
    HoldForumMeeting,
    PlanActivity,
)
from ledger.commands.base import Command, ProgrammeCommand, UnitOfWork
from ledger.commands.companies import (
    AnalyseCompanyNeeds,
    CompleteCompany,
    CorrectCompany,
    HoldOnboarding,
    JoinCompany,
    PresentCompany,
    RegisterCompany,
    SetCompanyGoals,
    WithdrawCompany,
)
from ledger.commands.funds import (
    AllocateFunds,
    ApprovePayment,
    AwardGrant,
    CancelPayment,
    ClaimRepayment,
    ConfirmPayment,
    DisburseFunds,
    ExpirePayment,
    LiftPaymentStop,
    ReallocateFunds,
    ReceiveRepayment,
    RecordCashContribution,
    RecordInKindContribution,
    ReportExpenditure,
    RequestPayment,
    ReturnUnusedFunds,
    ReverseEntry,
    SetBudgetLine,
    SetInKindRate,
    SetPaymentControl,
    StopPayments,
)
from ledger.commands.groups import AddCompanyToGroup, FormNetworkGroup, RemoveCompanyFromGroup
from ledger.commands.modules import (
    Attended,
    CancelSession,
    EnrolParticipants,
    HoldSession,
    OfferModule,
    RecordAttendance,
    RecordModuleCompletion,
    ScheduleSession,
)
from ledger.commands.participants import (
    EraseParticipant,
    RecordParticipantLeft,
    ReenterParticipant,
    RegisterParticipant,
)
from ledger.commands.programmes import CloseProgramme, LaunchProgramme, ReviseCap, ReviseTarget

COMMANDS: tuple[type[Command], ...] = (
    LaunchProgramme, ReviseCap, ReviseTarget, CloseProgramme,
    RegisterCompany, CorrectCompany, PresentCompany, JoinCompany, HoldOnboarding, SetCompanyGoals,
    AnalyseCompanyNeeds, WithdrawCompany, CompleteCompany,
    RegisterParticipant, RecordParticipantLeft, ReenterParticipant, EraseParticipant,
    AwardGrant, SetBudgetLine, AllocateFunds, ReallocateFunds, DisburseFunds, ReportExpenditure, ReverseEntry,
    SetPaymentControl, RequestPayment, ApprovePayment, ConfirmPayment, CancelPayment, ExpirePayment,
    StopPayments, LiftPaymentStop, ClaimRepayment, ReceiveRepayment, ReturnUnusedFunds,
    SetInKindRate, RecordCashContribution, RecordInKindContribution,
    FormNetworkGroup, AddCompanyToGroup, RemoveCompanyFromGroup,
    OfferModule, ScheduleSession, HoldSession, CancelSession, EnrolParticipants, RecordAttendance,
    RecordModuleCompletion,
    PlanActivity, HoldActivity, CancelActivity, HoldForumMeeting, CoCreateEducationOffer,
)  # fmt: skip
"""Every command, in the order of the use cases."""

__all__ = [
    "COMMANDS", "AddCompanyToGroup", "AllocateFunds", "AnalyseCompanyNeeds", "ApprovePayment", "Attended", "AwardGrant",
    "CancelActivity", "CancelPayment", "CancelSession", "ClaimRepayment", "CloseProgramme", "CoCreateEducationOffer",
    "Command", "CompleteCompany", "ConfirmPayment", "CorrectCompany", "DisburseFunds", "EnrolParticipants",
    "EraseParticipant", "ExpirePayment", "FormNetworkGroup", "HoldActivity", "HoldForumMeeting", "HoldOnboarding",
    "HoldSession", "JoinCompany", "LaunchProgramme", "LiftPaymentStop", "OfferModule", "PlanActivity", "PresentCompany",
    "ProgrammeCommand", "ReallocateFunds", "ReceiveRepayment", "RecordAttendance", "RecordCashContribution",
    "RecordInKindContribution", "RecordModuleCompletion", "RecordParticipantLeft", "ReenterParticipant",
    "RegisterCompany", "RegisterParticipant", "RemoveCompanyFromGroup", "ReportExpenditure", "RequestPayment",
    "ReturnUnusedFunds", "ReverseEntry", "ReviseCap", "ReviseTarget", "ScheduleSession", "SetBudgetLine",
    "SetCompanyGoals", "SetInKindRate", "SetPaymentControl", "StopPayments", "UnitOfWork", "WithdrawCompany",
]  # fmt: skip
