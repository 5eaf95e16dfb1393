import { registry } from "@web/core/registry";

const TWILIO_SID = "AC" + "0123456789abcdef".repeat(2);

function edit(fieldName, value) {
    return {
        content: `Set ${fieldName}`,
        trigger: `.o_field_widget[name=${fieldName}] input`,
        run: `edit ${value}`,
    };
}

function chooseProvider(provider) {
    return {
        content: `Choose ${provider}`,
        trigger: `.o_field_widget[name=provider] input[data-value=${provider}]`,
        run: "click",
    };
}

const save = [
    { trigger: ".o_form_button_save", run: "click" },
    { trigger: ".o_form_saved" },
];

registry.category("web_tour.tours").add("sms_gateway_bridge_create_bridges", {
    url: "/odoo/sms-gateways",
    steps: () => [
        { content: "Create a bridge", trigger: ".o_list_button_add", run: "click" },
        edit("name", "Twilio EU"),
        chooseProvider("twilio"),
        edit("sender", "+15005550006"),
        edit("destination_prefixes", "3a"),
        edit("twilio_account_sid", TWILIO_SID),
        edit("twilio_auth_token", "twilio-auth-token"),
        edit("base_url", "http://127.0.0.1:9"),
        { trigger: ".o_form_button_save", run: "click" },
        {
            content: "A prefix that is not digits is refused with a clear message",
            trigger: ".modal:contains(must contain only digits) .btn-primary",
            run: "click",
        },
        edit("destination_prefixes", "32"),
        ...save,
        { content: "Test the connection", trigger: "button[name=action_test_connection]", run: "click" },
        {
            content: "The provider's answer is reported in plain words",
            trigger: ".o_notification:contains(Twilio could not be reached)",
        },
        { content: "Back to the list", trigger: ".o_breadcrumb a:contains(SMS Gateways)", run: "click" },
        { trigger: ".o_list_button_add", run: "click" },
        edit("name", "Infobip"),
        chooseProvider("infobip"),
        edit("sender", "InfoSMS"),
        edit("infobip_api_key", "infobip-api-key"),
        edit("base_url", "https://xyz.api.infobip.com"),
        ...save,
        { trigger: ".o_breadcrumb a:contains(SMS Gateways)", run: "click" },
        { trigger: ".o_data_row:contains(Infobip)" },
        { trigger: ".o_data_row:contains(Twilio EU)" },
    ],
});
