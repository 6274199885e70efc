"""The project's own WSDL and XSDs of the Cdiscount SOAP Marketplace API.

Written for the project, for the operations the emulator serves, from the
compact description below; they agree with the official service
description in its namespaces, the binding QName, the operation, message and
element names, the element types and their order (the DataContract
sequences, alphabetical), so that a zeep client built from the official WSDL
works against the emulator as one built from this one does
(``tests/contract/test_cdiscount_contract.py`` checks that agreement).

The same description drives the emulator's answers (``render``) and the
reading of its requests (``read``): the element order of an answer is the
schema's by construction.

A type is ``(namespace, base type or None, fields)``; ``fields`` is a string
of ``Name:type`` items, the type followed by flags: ``?`` nillable, ``!``
required (``minOccurs`` 1; else 0), ``*`` repeated (``maxOccurs``
unbounded). Types in lower case are XML Schema's (``string``, ``int``...).
"""

import functools
import re
from datetime import datetime, timezone
from decimal import Decimal
from typing import NamedTuple
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

from ..http import local_name
from .server import parse_timestamp

COM = "http://www.cdiscount.com"
MSG = "http://schemas.datacontract.org/2004/07/Cdiscount.Framework.Core.Communication.Messages"
ARR = "http://schemas.microsoft.com/2003/10/Serialization/Arrays"
XS = "http://www.w3.org/2001/XMLSchema"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
TEMPURI = "http://tempuri.org/"
SERVICE_PATH = "/MarketplaceAPIService.svc"
SOAP_ACTION_BASE = f"{COM}/IMarketplaceAPIService/"
PORT_TYPE = "IMarketplaceAPIService"
BINDING = "BasicHttpBinding_IMarketplaceAPIService"
BINDING_QNAME = f"{{{TEMPURI}}}{BINDING}"
PARIS = ZoneInfo("Europe/Paris")
_ZONE = re.compile(r"(Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)

# namespace -> (prefix in the documents and answers, schema document name)
NAMESPACES = {
    COM: ("tns", "xsd0"),
    MSG: ("msg", "xsd2"),
    ARR: ("arr", "xsd4"),
}
BUILTINS = {"string", "int", "long", "short", "boolean", "dateTime", "decimal"}

# The types the project declares: "<namespace> <name> [: <base>]", then its
# fields, indented (see the module's docstring).
TYPES_TEXT = """
msg HeaderMessage
    Context:ContextMessage?! Localization:LocalizationMessage?!
    Security:SecurityContext? Version:string?!
msg ContextMessage
    CatalogID:int? ConfigurationPolicy:string? CustomerID:string? CustomerId:int
    CustomerNumber:string? CustomerPoolID:int? SecuredContext:boolean
    SiteID:int!
msg LocalizationMessage
    Country:Country CultureName:string? Currency:Currency DecimalPosition:int?
    Language:Language
msg SecurityContext
    DomainRightsList:ArrayOfDomainRights?! IssuerID:string?! SessionID:string?!
    TokenId:string?! UserName:string?!
msg ArrayOfDomainRights
    DomainRights:DomainRights?*
msg DomainRights
    Name:string?! SecurityDescriptorList:ArrayOfSecurityDescriptor?!
msg ArrayOfSecurityDescriptor
    SecurityDescriptor:SecurityDescriptor?*
msg SecurityDescriptor
    Authorization:Authorization! FunctionIdentifier:string?! Version:int!
msg ServiceMessage
    ErrorMessage:string? OperationSuccess:boolean
com ServiceBaseAPIMessage : ServiceMessage
    ErrorList:ArrayOfError? SellerLogin:string? TokenId:string?
com ArrayOfError
    Error:Error?*
com Error
    ErrorType:ErrorTypeEnum! Message:string?!
arr ArrayOfstring
    string:string?*
com OrderFilter
    BeginCreationDate:dateTime? BeginModificationDate:dateTime?
    CorporationCode:string? EndCreationDate:dateTime?
    EndModificationDate:dateTime? FetchOrderLines:boolean FetchParcels:boolean
    IncludeExternalFbcSiteId:boolean OrderReferenceList:ArrayOfstring?
    OrderType:OrderTypeEnum? PartnerOrderRef:string?
    States:ArrayOfOrderStateEnum?
com ArrayOfOrderStateEnum
    OrderStateEnum:OrderStateEnum*
com OrderListMessage : ServiceBaseAPIMessage
    OrderList:ArrayOfOrder?
com ArrayOfOrder
    Order:Order?*
com Order
    ArchiveParcelList:boolean BillingAddress:Address? Corporation:Corporation?
    CreationDate:dateTime Customer:Customer? HasClaims:boolean
    InitialTotalAmount:decimal InitialTotalShippingChargesAmount:decimal
    IsCLogistiqueOrder:boolean! LastUpdatedDate:dateTime? ModGesLog:string?
    ModifiedDate:dateTime? Offer:OfferOrder? OrderLineList:ArrayOfOrderLine?
    OrderNumber:string? OrderState:OrderStateEnum? ParcelList:ArrayOfParcel?
    PartnerOrderRef:string? ShippedTotalAmount:decimal
    ShippedTotalShippingCharges:decimal ShippingAddress:Address?
    ShippingCode:string? ShippingDateMax:dateTime? ShippingDateMin:dateTime?
    SiteCommissionPromisedAmount:decimal SiteCommissionShippedAmount:decimal
    SiteCommissionValidatedAmount:decimal Status:OrderStatusType
    ValidatedTotalAmount:decimal ValidatedTotalShippingCharges:decimal
    ValidationStatus:ValidationStatusType VisaCegid:int?
    VoucherList:ArrayOfVoucher?
com Address
    Address1:string? Address2:string? ApartmentNumber:string? Building:string?
    City:string? Civility:Civility CompanyName:string? Country:string?
    County:string? FirstName:string? Instructions:string? LastName:string?
    PlaceName:string? RelayId:string? Street:string? ZipCode:string?
com Corporation
    BusinessUnitId:short CorporationCode:string?! CorporationId:short!
    CorporationName:string? IsMarketPlaceActive:boolean?
com Customer
    Civility:Civility? CustomerId:string? Email:string? EncryptedEmail:string?
    FirstName:string? LastName:string? MobilePhone:string? Phone:string?
    ShippingFirstName:string? ShippingLastName:string?
com OfferOrder
    Code:string? CreationDate:string? ExpirationDate:string?
com ArrayOfOrderLine
    OrderLine:OrderLine?*
com OrderLine
    AcceptationState:AcceptationStateEnum? CategoryCode:string?
    DeliveryDateMax:dateTime DeliveryDateMin:dateTime HasClaim:boolean
    InitialPrice:decimal? IsCDAV:boolean IsNegotiated:boolean?
    IsProductEanGenerated:boolean Name:string?
    OrderLineChildList:ArrayOfOrderLine? ProductCondition:ProductConditionEnum?
    ProductEan:string? ProductId:string? PurchasePrice:decimal Quantity:int
    RefundShippingCharges:boolean? RowId:int SellerProductId:string?
    ShippingDateMax:dateTime ShippingDateMin:dateTime Sku:string?
    SkuParent:string? UnitAdditionalShippingCharges:decimal
    UnitShippingCharges:decimal
com ArrayOfParcel
    Parcel:Parcel?*
com Parcel
    CustomerNum:string? ExternalCarrierName:string?
    ExternalCarrierTrackingUrl:string? IsCustomerReturn:boolean
    ParcelItemList:ArrayOfParcelItem? ParcelStatus:ParcelStatus?
    RealCarrierCode:string?
com ArrayOfParcelItem
    ParcelItem:ParcelItem?*
com ParcelItem
    ProductName:string? Quantity:int Sku:string?
com ArrayOfVoucher
    Voucher:Voucher?*
com Voucher
    CreateDate:dateTime? RefundInformation:RefundInformation?!
    Source:VoucherSourceActor?
com RefundInformation
    Amount:decimal! MotiveId:int!
com ValidateOrderListMessage
    OrderList:ArrayOfValidateOrder?
com ArrayOfValidateOrder
    ValidateOrder:ValidateOrder?*
com ValidateOrder
    CarrierName:string? OrderLineList:ArrayOfValidateOrderLine?
    OrderNumber:string? OrderState:OrderStateEnum TrackingNumber:string?
    TrackingUrl:string?
com ArrayOfValidateOrderLine
    ValidateOrderLine:ValidateOrderLine?*
com ValidateOrderLine
    AcceptationState:AcceptationStateEnum ProductCondition:ProductConditionEnum
    SellerProductId:string? TypeOfReturn:AskingForReturnType?
com ValidationResultMessage : ServiceBaseAPIMessage
    ValidateOrderResults:ArrayOfValidateOrderResult?
com ArrayOfValidateOrderResult
    ValidateOrderResult:ValidateOrderResult?*
com ValidateOrderResult
    Errors:ArrayOfError? OrderNumber:string?
    ValidateOrderLineResults:ArrayOfValidateOrderLineResult? Validated:boolean
    Warnings:ArrayOfError?
com ArrayOfValidateOrderLineResult
    ValidateOrderLineResult:ValidateOrderLineResult?*
com ValidateOrderLineResult
    Errors:ArrayOfError? SellerProductId:string? Updated:boolean
com OfferPackageRequest
    ZipFileFullPath:string?
com PackageFilter
    PackageID:long
com OfferIntegrationReportMessage : ServiceBaseAPIMessage
    NumberOfErrors:int OfferLogList:ArrayOfOfferReportLog? PackageId:long
    PackageIntegrationStatus:string?
com ArrayOfOfferReportLog
    OfferReportLog:OfferReportLog?*
com OfferReportLog
    LogDate:dateTime OfferIntegrationStatus:string? ProductEan:string?
    PropertyList:ArrayOfOfferReportPropertyLog? SellerProductId:string?
    Sku:string? Validated:boolean
com ArrayOfOfferReportPropertyLog
    OfferReportPropertyLog:OfferReportPropertyLog?*
com OfferReportPropertyLog
    LogMessage:string? Name:string? PropertyCode:string? PropertyError:string?
com OfferFilter
    OfferPoolId:int? SellerProductIdList:ArrayOfstring?
com OfferFilterPaginated
    OfferFilterCriterion:OfferFilterCriterion? OfferPoolId:int?
    OfferSortOrder:OfferSortOrder? OfferStateFilter:OfferStateFilter?
    PageNumber:int! SellerProductIdList:ArrayOfstring?
com OfferListMessage : ServiceBaseAPIMessage
    OfferList:ArrayOfOffer?
com OfferListPaginatedMessage : OfferListMessage
    CurrentPageNumber:int NumberOfPages:int
com ArrayOfOffer
    Offer:Offer?*
com Offer
    BestShippingCharges:decimal Comments:string? CreationDate:dateTime
    DeaTax:decimal DiscountList:ArrayOfDiscountComponent? EcoTax:decimal
    IntegrationPrice:decimal IsCDAV:boolean LastUpdateDate:dateTime
    LogisticMode:LogisticMode MinimumPriceForPriceAlignment:decimal?
    OfferBenchMark:OfferPriceBenchMark? OfferPoolList:ArrayOfOfferPool?
    OfferState:OfferStateEnum ParentProductId:string? Price:decimal
    PriceMustBeAligned:PriceAlignmentAction
    ProductCondition:ProductConditionEnum ProductEan:string? ProductId:string?
    ProductPackagingUnit:ProductPackagingUnit ProductPackagingUnitPrice:decimal
    ProductPackagingValue:decimal SellerProductId:string?
    ShippingInformationList:ArrayOfShippingInformation? Stock:int
    StrikedPrice:decimal? VatRate:decimal
com ArrayOfDiscountComponent
    DiscountComponent:DiscountComponent?*
com DiscountComponent
    DiscountValue:decimal EndDate:dateTime Price:decimal StartDate:dateTime
    Type:DiscountType
com OfferPriceBenchMark
    BestOfferId:long BestOfferPrice:decimal IsBestOfferPrice:boolean
    ProductCondition:ProductConditionEnum ProductState:ProductStateEnum
    ShippingCharges:decimal
com ArrayOfOfferPool
    OfferPool:OfferPool?*
com OfferPool
    Description:string? Id:int
com ArrayOfShippingInformation
    ShippingInformation:ShippingInformation?*
com ShippingInformation
    AdditionalShippingCharges:decimal DeliveryMode:DeliveryModeInformation?
    MaxLeadTime:int MinLeadTime:int ShippingCharges:decimal
com DeliveryModeInformation
    Code:string? Name:string?
com GlobalConfigurationMessage : ServiceBaseAPIMessage
    CarrierList:ArrayOfCarrier?
com ArrayOfCarrier
    Carrier:Carrier?*
com Carrier
    CarrierId:int DefaultURL:string? Name:string?
com SellerMessage : ServiceBaseAPIMessage
    DeliveryModes:ArrayOfDeliveryModeInformation?
    OfferPoolList:ArrayOfOfferPool? Seller:Seller?
com ArrayOfDeliveryModeInformation
    DeliveryModeInformation:DeliveryModeInformation?*
com Seller
    Email:string? IsAvailable:SellerSubStateEnum Login:string?
    MobileNumber:string? PhoneNumber:string? SellerAddress:Address?
    ShopName:string? ShopUrl:string? SiretNumber:string? State:SellerStateEnum
"""

# The enumerations: "<namespace> <name>", then the values the project knows
# (the official lists, shortened for the header's countries, currencies
# and for the error types); values holding spaces are separated by "|".
ENUMS_TEXT = """
msg Country
    Fr Be De ES Us IT LU NL PT GB CH
msg Currency
    Chf Eur Gbp Usd
msg Language
    Fr En De Es NotDefined
msg Authorization
    None
com ErrorTypeEnum
    UnexpectedException MissingField PackageNotFound OrderNotFound
    OrderStateIncoherent SellerNotFound InvalidFileFormat FileAlreadySubmitted
    InvalidRequest FileDownloadException SellerNotAuthorized OrderLineNotFound
    OrderLineIncoherentState OrderTrackingInformationError
    TooManyProductsInPackageError Quota OfferNotFoundException NoDataError
com OrderTypeEnum
    IsFulfillment MKPFBC EXTFBC None
com OrderStateEnum
    CancelledByCustomer WaitingForSellerAcceptation AcceptedBySeller
    PaymentInProgress WaitingForShipmentAcceptation Shipped RefusedBySeller
    AutomaticCancellation PaymentRefused ShipmentRefusedBySeller None
    ValidatedFianet RefusedNoShipment AvailableOnStore NonPickedUpByCustomer
    PickedUp ServiceCanceled PendingShipmentForAssociatedProduct
    BlockedWaitingForTreatment BlockedWaitingForProof
    BlockedRepeatedLitigationSuspicion BlockedFraudSuspicion BlockedConfirmed
    FinishedGenerixUpdate BlockedRepeatedLitigationSuspicionConfirmation
    BlockedFraudSuspicionConfirmation CegidDown BlockedAutomaticCds
    BeingCancelled BeingModified RequestGoingToGnx PartialInGnx
    BeingValidatedFianet BlockedMarketplaceService
com AcceptationStateEnum
    None AcceptedBySeller RefusedBySeller ShippedBySeller RefundedAfterShipping
    ShipmentRefusedBySeller RefundedAfterShipmentRefused
    CancelledBeforeNotificationByCustomer CancelledBeforePaymentByCustomer
    CancellationRequestPending CancelledAfterPaymentByCustomer
    RefundedAfterCustomerCancellation PaymentRefused
com ProductConditionEnum
    None LikeNew VeryGoodState GoodState AverageState Refurbished New
com Civility
    None MR MISS MRS DR PHD PR
com OrderStatusType
    NonValidated NoPaymentAttempt Cancelled Validated Waiting Completed
com ValidationStatusType
    ValidatingFianet PreAccepted None
com ParcelStatus
    Delivered | Not Delivered - Back Transporter | Not Delivered - Lost Or
    Broken | Committed The Transporter | On Going Delivery | In Point Relay |
    Other | Prepared
com VoucherSourceActor
    Customer CDiscount Seller
com AskingForReturnType
    AskingForReturn AskingForReturnAndRemoval
com OfferFilterCriterion
    NewOffersOnly UsedOffersOnly
com OfferSortOrder
    BySoldQuantityDescending ByPriceAscending ByPriceDescending
    ByCreationDateDescending
com OfferStateFilter
    AllOffersOnly OnlineOffersOnly PublishedOffersOnly OfflineOffersOnly
com OfferStateEnum
    WaitingForProductActivation Active Inactive Obsolete Fulfillment
com LogisticMode
    Marketplace | Fulfilment | Fulfilment on demand
com PriceAlignmentAction
    Empty Unknown Align DontAlign
com ProductPackagingUnit
    None Liter Kilogram SquareMeter CubicMeter
com DiscountType
    StrikedPrice Flash Sales
com ProductStateEnum
    New Used
com SellerSubStateEnum
    Holidays ActiveSeller BannedSeller
com SellerStateEnum
    Activated Deactivated PutOnNotice
"""

# operation -> (its parameters, the type of its result); every operation
# takes the ``headerMessage`` first
OPERATIONS = {
    "GetSellerInformation": ((), "SellerMessage"),
    "GetGlobalConfiguration": ((), "GlobalConfigurationMessage"),
    "GetOrderList": ((("orderFilter", "OrderFilter"),), "OrderListMessage"),
    "ValidateOrderList": (
        (("validateOrderListMessage", "ValidateOrderListMessage"),),
        "ValidationResultMessage",
    ),
    "SubmitOfferPackage": (
        (("offerPackageRequest", "OfferPackageRequest"),),
        "OfferIntegrationReportMessage",
    ),
    "GetOfferPackageSubmissionResult": (
        (("offerPackageFilter", "PackageFilter"),),
        "OfferIntegrationReportMessage",
    ),
    "GetOfferList": ((("offerFilter", "OfferFilter"),), "OfferListMessage"),
    "GetOfferListPaginated": (
        (("offerFilter", "OfferFilterPaginated"),),
        "OfferListPaginatedMessage",
    ),
}
_SHORT = {"com": COM, "msg": MSG, "arr": ARR}


class Field(NamedTuple):
    name: str
    type: str
    nillable: bool
    required: bool
    repeated: bool


class ComplexType(NamedTuple):
    name: str
    namespace: str
    base: str | None
    fields: tuple


def _fields(text):
    fields = []
    for item in text.split():
        name, _colon, spec = item.partition(":")
        kind = spec.rstrip("?!*")
        flags = spec[len(kind) :]
        fields.append(Field(name, kind, "?" in flags, "!" in flags, "*" in flags))
    return tuple(fields)


def _blocks(text):
    """``(heading words, body text)`` of each block of a description."""
    blocks = []
    for line in text.strip().splitlines():
        if line.startswith(" "):
            blocks[-1][1].append(line.strip())
        else:
            blocks.append((line.split(), []))
    return [(heading, " ".join(body)) for heading, body in blocks]


def _types(text):
    types = {}
    for heading, body in _blocks(text):
        namespace, name, *base = heading
        base = base[1] if base else None
        types[name] = ComplexType(name, _SHORT[namespace], base, _fields(body))
    return types


def _enums(text):
    enums = {}
    for (namespace, name), body in _blocks(text):
        values = body.split("|") if "|" in body else body.split()
        enums[name] = (_SHORT[namespace], tuple(v.strip() for v in values))
    return enums


TYPES = _types(TYPES_TEXT)
ENUMS = _enums(ENUMS_TEXT)  # name -> (namespace, values)


def namespace_of_type(name):
    if name in TYPES:
        return TYPES[name].namespace
    return ENUMS[name][0]


@functools.cache
def all_fields(type_name):
    """``(field, element namespace)`` of a complex type, its bases' first
    (each element is in the namespace of the type declaring it)."""
    complex_type = TYPES[type_name]
    inherited = all_fields(complex_type.base) if complex_type.base else ()
    own = tuple((field, complex_type.namespace) for field in complex_type.fields)
    return inherited + own


def is_array(type_name):
    """An ``ArrayOf...`` type: one repeated element."""
    fields = TYPES[type_name].fields if type_name in TYPES else ()
    return len(fields) == 1 and fields[0].repeated


# ----------------------------------------------------------------------
# documents
# ----------------------------------------------------------------------
def _qualified(type_name, prefixes):
    if type_name in BUILTINS:
        return f"xs:{type_name}"
    return f"{prefixes[namespace_of_type(type_name)]}:{type_name}"


def _element_xsd(field, prefixes):
    occurs = "" if field.required else ' minOccurs="0"'
    if field.repeated:
        occurs += ' maxOccurs="unbounded"'
    nillable = ' nillable="true"' if field.nillable else ""
    kind = _qualified(field.type, prefixes)
    return f'<xs:element{occurs} name="{field.name}"{nillable} type="{kind}"/>'


def _complex_xsd(complex_type, prefixes):
    sequence = "".join(_element_xsd(f, prefixes) for f in complex_type.fields)
    sequence = f"<xs:sequence>{sequence}</xs:sequence>"
    if complex_type.base:
        base = _qualified(complex_type.base, prefixes)
        sequence = (
            f'<xs:complexContent mixed="false"><xs:extension base="{base}">'
            f"{sequence}</xs:extension></xs:complexContent>"
        )
    return f'<xs:complexType name="{complex_type.name}">{sequence}</xs:complexType>'


def _enum_xsd(name):
    values = "".join(f"<xs:enumeration value={quoteattr(v)}/>" for v in ENUMS[name][1])
    return (
        f'<xs:simpleType name="{name}"><xs:restriction base="xs:string">'
        f"{values}</xs:restriction></xs:simpleType>"
    )


def _wrapper_xsd(name, fields, prefixes):
    sequence = "".join(_element_xsd(field, prefixes) for field in fields)
    return (
        f'<xs:element name="{name}"><xs:complexType><xs:sequence>{sequence}'
        "</xs:sequence></xs:complexType></xs:element>"
    )


def operation_fields(operation):
    """The request and response wrapper elements' fields of an operation."""
    params, result = OPERATIONS[operation]
    request = [Field("headerMessage", "HeaderMessage", True, False, False)]
    request += [Field(name, kind, True, False, False) for name, kind in params]
    response = [Field(f"{operation}Result", result, True, False, False)]
    return request, response


def service_url(base_url):
    return base_url.rstrip("/") + SERVICE_PATH


def schema_document(namespace, base_url):
    """The XSD text of one of ``NAMESPACES``; imports point at ``base_url``."""
    prefixes = {ns: prefix for ns, (prefix, _doc) in NAMESPACES.items()}
    prefixes[namespace] = "tns"
    if namespace != COM:
        prefixes[COM] = "com"
    declarations = "".join(
        f' xmlns:{prefix}="{ns}"' for ns, prefix in prefixes.items() if ns != namespace
    )
    # only the operations' namespace refers to the others
    used = set(NAMESPACES) - {namespace} if namespace == COM else set()
    imports = "".join(
        f'<xs:import schemaLocation="{service_url(base_url)}?xsd={NAMESPACES[ns][1]}" '
        f'namespace="{ns}"/>'
        for ns in NAMESPACES
        if ns in used
    )
    parts = []
    if namespace == COM:
        for operation in OPERATIONS:
            request, response = operation_fields(operation)
            parts.append(_wrapper_xsd(operation, request, prefixes))
            parts.append(_wrapper_xsd(f"{operation}Response", response, prefixes))
    for complex_type in TYPES.values():
        if complex_type.namespace == namespace:
            parts.append(_complex_xsd(complex_type, prefixes))
    for name, (enum_namespace, _values) in ENUMS.items():
        if enum_namespace == namespace:
            parts.append(_enum_xsd(name))
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<xs:schema elementFormDefault="qualified" '
        f'targetNamespace="{namespace}" xmlns:xs="{XS}" xmlns:tns="{namespace}"'
        f"{declarations}>{imports}{''.join(parts)}</xs:schema>"
    )


_WSDL_NS = (
    'xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" '
    'xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" '
    'xmlns:wsaw="http://www.w3.org/2006/05/addressing/wsdl" '
    f'xmlns:xsd="{XS}"'
)


def wsdl_document(base_url):
    """``?wsdl``: the binding and the service, importing ``?wsdl=wsdl0``."""
    url = service_url(base_url)
    operations = "".join(
        f'<wsdl:operation name="{op}"><soap:operation '
        f'soapAction="{SOAP_ACTION_BASE}{op}" style="document"/>'
        '<wsdl:input><soap:body use="literal"/></wsdl:input>'
        '<wsdl:output><soap:body use="literal"/></wsdl:output></wsdl:operation>'
        for op in OPERATIONS
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><wsdl:definitions '
        f'name="MarketplaceAPIService" targetNamespace="{TEMPURI}" {_WSDL_NS} '
        f'xmlns:tns="{TEMPURI}" xmlns:i0="{COM}">'
        f'<wsdl:import namespace="{COM}" location="{url}?wsdl=wsdl0"/><wsdl:types/>'
        f'<wsdl:binding name="{BINDING}" type="i0:{PORT_TYPE}">'
        '<soap:binding transport="http://schemas.xmlsoap.org/soap/http"/>'
        f"{operations}</wsdl:binding>"
        f'<wsdl:service name="MarketplaceAPIService"><wsdl:port name="{BINDING}" '
        f'binding="tns:{BINDING}"><soap:address location="{url}"/></wsdl:port>'
        "</wsdl:service></wsdl:definitions>"
    )


def wsdl0_document(base_url):
    """``?wsdl=wsdl0``: the schemas' imports, the messages, the port type."""
    url = service_url(base_url)
    imports = "".join(
        f'<xsd:import schemaLocation="{url}?xsd={document}" namespace="{ns}"/>'
        for ns, (_prefix, document) in NAMESPACES.items()
    )
    messages, operations = [], []
    for op in OPERATIONS:
        stem = f"{PORT_TYPE}_{op}"
        messages.append(
            f'<wsdl:message name="{stem}_InputMessage"><wsdl:part name="parameters" '
            f'element="tns:{op}"/></wsdl:message>'
            f'<wsdl:message name="{stem}_OutputMessage"><wsdl:part name="parameters" '
            f'element="tns:{op}Response"/></wsdl:message>'
        )
        operations.append(
            f'<wsdl:operation name="{op}"><wsdl:input '
            f'wsaw:Action="{SOAP_ACTION_BASE}{op}" message="tns:{stem}_InputMessage"/>'
            f'<wsdl:output wsaw:Action="{SOAP_ACTION_BASE}{op}Response" '
            f'message="tns:{stem}_OutputMessage"/></wsdl:operation>'
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><wsdl:definitions '
        f'targetNamespace="{COM}" {_WSDL_NS} xmlns:tns="{COM}">'
        f'<wsdl:types><xsd:schema targetNamespace="{COM}/Imports">{imports}'
        f"</xsd:schema></wsdl:types>{''.join(messages)}"
        f'<wsdl:portType name="{PORT_TYPE}">{"".join(operations)}</wsdl:portType>'
        "</wsdl:definitions>"
    )


def metadata_document(query, base_url):
    """The document a ``GET ...svc?<query>`` asks for (``wsdl``,
    ``wsdl=wsdl0``, ``xsd=xsd0``...), None for an unknown one."""
    if query in ("wsdl", "singleWsdl"):
        return wsdl_document(base_url)
    if query == "wsdl=wsdl0":
        return wsdl0_document(base_url)
    for namespace, (_prefix, document) in NAMESPACES.items():
        if query == f"xsd={document}":
            return schema_document(namespace, base_url)
    return None


# ----------------------------------------------------------------------
# answers
# ----------------------------------------------------------------------
def _format_datetime(value):
    """xs:dateTime as the service writes it: Paris time, no zone."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(PARIS).replace(tzinfo=None)
        spec = "milliseconds" if value.microsecond else "seconds"
        return value.isoformat(timespec=spec)
    return str(value)


def format_scalar(kind, value):
    """The text of a simple value of XSD type ``kind``."""
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "dateTime":
        return _format_datetime(value)
    if kind == "decimal":
        return format(Decimal(str(value)), "f")
    if kind in ("int", "long", "short"):
        return str(int(value))
    return escape(str(value))


class Raw(str):
    """An element already rendered (``render_element``), kept as is."""


class _Writer:
    """Serializes values along the types, with the answer's prefixes
    (``render_result`` declares them: ``a`` Messages, ``b`` Arrays, ``i``
    XMLSchema-instance; the operations' namespace is the default one)."""

    prefixes = {COM: "", MSG: "a:", ARR: "b:"}

    def element(self, name, namespace, kind, value, nillable):
        if isinstance(value, Raw):
            return value
        tag = f"{self.prefixes[namespace]}{name}"
        if value is None:
            return f'<{tag} i:nil="true"/>' if nillable else ""
        if kind in TYPES:
            return f"<{tag}>{self.content(kind, value)}</{tag}>"
        return f"<{tag}>{format_scalar(kind, value)}</{tag}>"

    def content(self, kind, value):
        if is_array(kind):
            field = TYPES[kind].fields[0]
            return "".join(
                self.element(field.name, TYPES[kind].namespace, field.type, item, True)
                for item in value
            )
        if not isinstance(value, dict):
            raise TypeError(f"{kind}: expected a dict, got {type(value).__name__}")
        parts = []
        for field, namespace in all_fields(kind):
            if field.name not in value:
                if field.required:
                    raise ValueError(f"{kind}.{field.name} is required")
                continue
            item = value[field.name]
            if item is None and field.required and not field.nillable:
                raise ValueError(f"{kind}.{field.name} cannot be nil")
            parts.append(
                self.element(field.name, namespace, field.type, item, field.nillable)
            )
        unknown = set(value) - {field.name for field, _ns in all_fields(kind)}
        if unknown:
            raise ValueError(f"{kind} declares no {', '.join(sorted(unknown))}")
        return "".join(parts)


def render_element(name, kind, value):
    """A ``Raw`` element ``name`` of the complex type ``kind`` in the
    operations' namespace, to place in a ``render_result`` value (e.g. an
    ``Order`` rendered once and cached)."""
    return Raw(_Writer().element(name, TYPES[kind].namespace, kind, value, True))


def render_result(operation, value):
    """The response element of ``operation`` (text) whose result is
    ``value``: a dict keyed by element names (lists for the ``ArrayOf``
    types; a missing key is an absent element, None a nil one)."""
    result_type = OPERATIONS[operation][1]
    writer = _Writer()
    body = writer.content(result_type, value)
    return (
        f'<{operation}Response xmlns="{COM}"><{operation}Result '
        f'xmlns:a="{MSG}" xmlns:b="{ARR}" xmlns:i="{XSI}">{body}'
        f"</{operation}Result></{operation}Response>"
    )


# ----------------------------------------------------------------------
# requests
# ----------------------------------------------------------------------
def _is_nil(element):
    return (element.get(f"{{{XSI}}}nil") or "").strip() in ("true", "1")


def read(element, kind):
    """The value of ``element`` read as XSD type ``kind``: a dict of the
    declared children present (by local name, any namespace; nil -> None),
    a list for the ``ArrayOf`` types, stripped text for simple types.
    Undeclared children are ignored."""
    if element is None or _is_nil(element):
        return None
    if kind not in TYPES:
        return (element.text or "").strip()
    if is_array(kind):
        field = TYPES[kind].fields[0]
        return [
            read(child, field.type)
            for child in element
            if local_name(child.tag) == field.name
        ]
    declared = {field.name: field for field, _ns in all_fields(kind)}
    value = {}
    for child in element:
        field = declared.get(local_name(child.tag))
        if field is not None and field.name not in value:
            value[field.name] = read(child, field.type)
    return value


def read_request(operation, body_element):
    """The parameters of an operation's request element (``soap_body``):
    parameter name -> value (``read``); absent parameters are None."""
    request, _response = operation_fields(operation)
    children = {local_name(child.tag): child for child in body_element}
    return {field.name: read(children.get(field.name), field.type) for field in request}


def parse_boolean(text, default=False):
    if text is None or text == "":
        return default
    return text.strip().lower() in ("true", "1")


def parse_datetime(text):
    """An xs:dateTime of a request: a zone-less one is Paris time; None when
    empty. Raises ``ValueError`` when it is not a date-time."""
    if not text or not text.strip():
        return None
    text = text.strip()
    moment = parse_timestamp(text)  # a zone-less text is read as UTC
    if not _ZONE.search(text):
        moment = moment.replace(tzinfo=None).replace(tzinfo=PARIS)
    return moment.astimezone(timezone.utc)
